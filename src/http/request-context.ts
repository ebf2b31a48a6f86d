// Builds the RequestContext both adapters hand to services: the verified actor, request id, logger, languages, the app's clock.
import type { FastifyRequest } from 'fastify'
import { publicActor, type Actor } from '../auth/actor.ts'
import type { TokenVerifier } from '../auth/verify-token.ts'
import type { RequestContext } from '../context.ts'
import { AppError } from '../errors.ts'

/** Accept-Language → tags ordered by q (RFC 9110 §12.5.4); "*" and q=0 are dropped. */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (!header) return []
  return header
    .split(',')
    .slice(0, 20)
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';')
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean)
      return { tag: tag!.trim(), q: q === undefined ? 1 : Number(q), i }
    })
    .filter((l) => l.tag && l.tag !== '*' && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(l.tag) && l.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((l) => l.tag)
}

/** The bearer token a request carries, or undefined for none; a token anywhere but the Authorization header is refused. */
export function bearerTokenOf(request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, unknown> | undefined
  if (query && ('access_token' in query || 'token' in query))
    throw new AppError('UNAUTHENTICATED', 'Tokens in the query string are not accepted; send an Authorization: Bearer header')
  const header = request.headers.authorization
  return header ? tokenOf(header) : undefined
}

/** The token of an Authorization value: "Bearer <token>", or it is refused. */
function tokenOf(header: string): string {
  const match = BEARER.exec(header)
  if (!match) throw new AppError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <token>"')
  return match[1]!
}

/** The caller behind a request: public without a token; a bad token is refused, never downgraded to public. */
export async function actorOf(request: FastifyRequest, verify: TokenVerifier): Promise<Actor> {
  const token = bearerTokenOf(request)
  return token === undefined ? publicActor : verify(token)
}

/** The caller an Authorization value names, verified: a GraphQL WebSocket's connection_init carries one. */
export async function actorOfAuthorization(header: string, verify: TokenVerifier): Promise<Actor> {
  return verify(tokenOf(header))
}

/** Auth schemes are case-insensitive (RFC 9110 §11.1); the token is a token68 after one or more spaces. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i
const REALM = 'community-engagement-api'

/**
 * The WWW-Authenticate challenge every 401 carries (RFC 9110 §11.6.1): Basic for the token endpoint's clients
 * (RFC 6749 §5.2), else Bearer (RFC 6750 §3) with `invalid_token` when a token was given, `invalid_request` when it was malformed.
 */
export function challengeOf(request: FastifyRequest): string {
  if (request.routeOptions.config?.clientAuthentication) return 'Basic realm="partner-credentials", charset="UTF-8"'
  const query = request.query as Record<string, unknown> | undefined
  const header = request.headers.authorization
  if ((query && ('access_token' in query || 'token' in query)) || (header && !BEARER.test(header)))
    return `Bearer realm="${REALM}", error="invalid_request", error_description="Send the token in an Authorization: Bearer header"`
  if (header) return `Bearer realm="${REALM}", error="invalid_token", error_description="The access token is invalid, expired or no longer honoured"`
  return `Bearer realm="${REALM}"`
}

const LANGUAGE_TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/

/**
 * The languages a REST request asks for: its `lang` query parameter first (calendar apps send no Accept-Language, so a
 * subscription link carries its language), then Accept-Language. A malformed `lang` is refused.
 */
export function requestLanguages(request: FastifyRequest): string[] {
  const accepted = parseAcceptLanguage(request.headers['accept-language'])
  const lang = (request.query as Record<string, unknown> | undefined)?.lang
  if (lang === undefined) return accepted
  if (typeof lang !== 'string' || !LANGUAGE_TAG.test(lang) || lang.length > 35)
    throw new AppError('VALIDATION_FAILED', 'lang must be one BCP 47 language tag, such as es or es-MX', { errors: [{ field: 'lang', message: 'must be one BCP 47 language tag' }] })
  return [lang, ...accepted.filter((l) => l.toLowerCase() !== lang.toLowerCase())]
}

export function contextOf(request: FastifyRequest, languages = requestLanguages(request)): RequestContext {
  return { actor: request.actor, requestId: request.id, log: request.log, languages, clock: request.server.clock }
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor
  }
}
