// GraphQL errors with the REST error codes in extensions.code; never a stack trace, SQL or internal message.
import type { FastifyRequest } from 'fastify'
import type { ExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql'
import type { MercuriusContext } from 'mercurius'
import { catalogue, type FieldError } from '../../errors.ts'
import { classify, logFailure } from '../problem.ts'

/** Codes for documents the server cannot run; everything else uses the catalogue in errors.ts. */
export type GraphqlRequestCode = 'GRAPHQL_PARSE_FAILED' | 'GRAPHQL_VALIDATION_FAILED'

type Described = { status: number; error: GraphQLFormattedError }
type MercuriusError = Error & { code?: string; errors?: unknown[] }

/**
 * Mercurius's errorFormatter. Two callers: after execution (`data` present; resolver errors answer 200, as
 * GraphQL over HTTP says), and mercurius's route error handler for a request that never ran (a syntax or
 * validation error, too deep a query, a bad token): those answer with their own status and no `data`.
 */
export function formatErrors(execution: ExecutionResult & { errors: readonly GraphQLError[] }, context: MercuriusContext) {
  // A subscription's messages are formatted with its connection's context: the upgrade request, and no reply.
  const request = context.reply?.request ?? (context as unknown as { request: FastifyRequest }).request
  const executed = 'data' in execution
  const described = execution.errors.flatMap((err) => describe(err, executed, request))
  const response = executed ? { data: execution.data ?? null, errors: described.map((d) => d.error) } : { errors: described.map((d) => d.error) }
  // An outage or a full pool says when to retry in the header too, as the REST problems do.
  const retryAfter = Math.max(0, ...described.map((d) => Number(d.error.extensions?.retryAfterSeconds ?? 0)))
  if (retryAfter && typeof context.reply?.header === 'function') context.reply.header('retry-after', String(retryAfter))
  return { statusCode: executed ? 200 : (described[0]?.status ?? 500), response }
}

function describe(err: GraphQLError, executed: boolean, request: FastifyRequest): Described[] {
  const original = err.originalError as MercuriusError | undefined
  // Mercurius wraps parse, validation, depth and variable errors in one MER_ERR_GQL_VALIDATION.
  if (original?.code === 'MER_ERR_GQL_VALIDATION' && Array.isArray(original.errors))
    return original.errors.map((e) => documentError(e as GraphQLError))
  if (!executed && !original) return [documentError(err)]
  if (original?.code === 'MER_ERR_METHOD_NOT_ALLOWED')
    return [{ status: 405, error: { message: 'Send mutations with POST', extensions: { code: 'METHOD_NOT_ALLOWED' } } }]

  const problem = classify(original ?? err)
  const { status } = catalogue[problem.code]
  logFailure(request.log, problem.code, original ?? err, { path: err.path })
  const extensions: { code: string; errors?: FieldError[]; retryAfterSeconds?: number } = { code: problem.code }
  if (problem.errors) extensions.errors = problem.errors
  if (problem.retryAfterSeconds) extensions.retryAfterSeconds = problem.retryAfterSeconds
  return [{ status, error: { message: problem.detail, ...located(err), extensions } }]
}

/** An error in the document itself (or its variables): safe to show as graphql-js words it. */
function documentError(err: GraphQLError | Error): Described {
  // Limits (tokens, aliases, cost…) are reported by their tools as "Syntax Error: …"; they are refusals, not typos.
  const overLimit = /limit of \d+ exceeded|contains more tha[nt] \d+ tokens/i.test(err.message)
  const code: GraphqlRequestCode = err.message.startsWith('Syntax Error') && !overLimit ? 'GRAPHQL_PARSE_FAILED' : 'GRAPHQL_VALIDATION_FAILED'
  const message = overLimit ? err.message.replace(/^Syntax Error: /, '') : err.message
  return { status: 400, error: { message, ...located(err), extensions: { code } } }
}

function located(err: Error & Partial<Pick<GraphQLError, 'locations' | 'path'>>) {
  return { ...(err.locations ? { locations: err.locations } : {}), ...(err.path ? { path: err.path } : {}) }
}
