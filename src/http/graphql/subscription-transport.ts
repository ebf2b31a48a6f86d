// GraphQL over WebSocket (mercurius, graphql-transport-ws and the older graphql-ws protocol): who the subscriber is,
// the limits a connection and its documents are held to, and error codes on everything mercurius answers itself.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { decodeJwt } from 'jose'
import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql'
import type { Actor } from '../../auth/actor.ts'
import type { TokenVerifier } from '../../auth/verify-token.ts'
import { actorOfAuthorization } from '../request-context.ts'
import { checkIntrospection, GRAPHQL_LIMITS, type IntrospectionPolicy } from './abuse-limits.ts'

export const SUBSCRIPTION_LIMITS = {
  /** Live subscriptions one connection may hold; one more is refused with TOO_MANY_SUBSCRIPTIONS. */
  perConnection: 20,
  /** A connection that has not sent connection_init by then is closed (4408, as graphql-transport-ws says). */
  initTimeoutMs: 3_000,
  /** Pings keep idle connections open through proxies and find dead ones. */
  keepAliveMs: 30_000,
}

/** The part of a ws WebSocket used here (ws ships no types of its own). */
type Socket = {
  on(event: 'close' | 'message', listener: (data: unknown) => void): void
  send(data: string, cb?: (err?: Error) => void): void
  close(code?: number, reason?: string): void
}

/** What a connection carries to every subscription on it: the ids of those live. */
export type ConnectionState = { live: Set<string> }
/** What connection_init adds: the verified subscriber, and when its token expires. */
export type Subscriber = { subscriber?: Actor; subscriberUntil?: Date }

/** The bearer token from connection_init's payload: `{ authorization: "Bearer …" }` (or under `headers`, as some clients send it). */
function authorizationIn(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined
  const p = payload as Record<string, unknown>
  const headers = typeof p.headers === 'object' && p.headers !== null ? (p.headers as Record<string, unknown>) : {}
  const value = p.authorization ?? p.Authorization ?? headers.authorization ?? headers.Authorization
  return typeof value === 'string' ? value : undefined
}

/** Mercurius's `subscription` options. A refused token refuses the connection (closed with 4403 by guardSocket). */
/** `listening`: resolves once this instance follows committed changes (started by the first connection, then kept). */
export function subscriptionOptions<C extends object>({ verify, log, contextOf, listening }: { verify: TokenVerifier; log: FastifyInstance['log']; contextOf: (request: FastifyRequest) => C; listening: () => Promise<void> }) {
  return {
    keepAlive: SUBSCRIPTION_LIMITS.keepAliveMs,
    // Per connection: the resolvers' context and the state every subscription on it shares (mercurius copies it shallowly).
    context: (_socket: unknown, request: FastifyRequest): C & { connection: ConnectionState } => ({ ...contextOf(request), connection: { live: new Set() } }),
    async onConnect({ payload }: { payload: unknown }) {
      await listening()
      const authorization = authorizationIn(payload)
      if (authorization === undefined) return true
      try {
        const subscriber = await actorOfAuthorization(authorization, verify)
        // The connection outlives the token: past its expiry, subscriptions on it end (subscription-resolvers.ts).
        const { exp } = decodeJwt(authorization.replace(/^Bearer +/i, ''))
        return { subscriber, ...(exp ? { subscriberUntil: new Date(exp * 1000) } : {}) }
      } catch (err) {
        log.info({ err }, 'subscription connection refused: bad token')
        return false
      }
    },
  }
}

/**
 * Runs before each subscription: the document is held to the limits queries are (tokens, depth, cost, aliases,
 * introspection policy), since mercurius does not validate subscription documents itself; and the connection's
 * subscriber becomes the request's actor, so every service call and relation reads with its access.
 */
export function checkSubscriptionDocument({ rules, introspection }: { rules: ValidationRule[]; introspection: IntrospectionPolicy }) {
  return async (schema: GraphQLSchema, source: string, context: { request: FastifyRequest; subscriber?: Actor }) => {
    if (context.subscriber) context.request.actor = context.subscriber
    let document: DocumentNode
    try {
      document = parse(source, { maxTokens: GRAPHQL_LIMITS.tokens })
    } catch (err) {
      const message = (err as Error).message
      const overLimit = /more tha[nt] \d+ tokens/i.test(message)
      throw new GraphQLError(overLimit ? message.replace(/^Syntax Error: /, '') : message, { extensions: { code: overLimit ? 'GRAPHQL_VALIDATION_FAILED' : 'GRAPHQL_PARSE_FAILED' } })
    }
    const [first] = validate(schema, document, [...specifiedRules, ...rules], { hideSuggestions: true })
    if (first) throw new GraphQLError(first.message, { nodes: first.nodes ?? null, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })
    checkIntrospection(introspection, context.request.actor, document)
  }
}

function typeOf(data: string): unknown {
  try {
    return (JSON.parse(data) as { type?: unknown }).type
  } catch {
    return undefined
  }
}

/** What mercurius itself says about a message it cannot run, safe to pass on; any other uncoded error is reworded. */
const MERCURIUS_WORDS = /^(Syntax Error|Invalid operation|Invalid payload type|Must provide document|Message must be a JSON string)/

/**
 * Wraps mercurius's WebSocket handler: closes a connection that never initialises, closes a refused one with 4403, and
 * gives every error mercurius sends without a code (a syntax error, a query sent as a subscription) its extensions.code.
 */
export function guardSocket<H extends (this: unknown, socket: Socket, request: FastifyRequest) => unknown>(handler: H): H {
  return function (this: unknown, socket: Socket, request: FastifyRequest) {
    let initialised = false
    const timer = setTimeout(() => initialised || socket.close(4408, 'Connection initialisation timeout'), SUBSCRIPTION_LIMITS.initTimeoutMs)
    socket.on('close', () => clearTimeout(timer))
    socket.on('message', (data) => {
      if (!initialised && typeOf(String(data)) === 'connection_init') {
        initialised = true
        clearTimeout(timer)
      }
    })
    const send = socket.send.bind(socket)
    socket.send = (data, cb) => {
      const message = JSON.parse(data) as { type: string; id?: string; payload?: unknown }
      // graphql-transport-ws has no connection_error message: it closes, 4403 for a refused token, 4401 before connection_init.
      if (message.type === 'connection_error') {
        const refused = (message.payload as { message?: string } | undefined)?.message === 'Forbidden'
        socket.close(refused ? 4403 : 4401, refused ? 'Forbidden: the token in connection_init was refused' : 'Unauthorized: send connection_init first')
        return cb?.()
      }
      if (message.type === 'error' && Array.isArray(message.payload)) {
        message.payload = message.payload.map((e: { message?: string; locations?: unknown; extensions?: { code?: string } }) => {
          if (e.extensions?.code) return e
          const known = MERCURIUS_WORDS.test(e.message ?? '')
          const code = (e.message ?? '').startsWith('Syntax Error') ? 'GRAPHQL_PARSE_FAILED' : 'GRAPHQL_VALIDATION_FAILED'
          // The code only: the words may quote the document, which may hold anything.
          request.log.info({ code, known }, 'subscription message refused')
          return { message: known ? e.message : 'The message is not a subscription this server can run', ...(e.locations ? { locations: e.locations } : {}), extensions: { code } }
        })
        return send(JSON.stringify(message), cb)
      }
      return send(data, cb)
    }
    return handler.call(this, socket, request)
  } as H
}
