// Verifies bearer tokens from the agency's identity provider with jose and turns their claims into an Actor.
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose'
import type { Config } from '../config.ts'
import { AppError } from '../errors.ts'
import { roles, type Actor, type Role } from './actor.ts'

export type TokenVerifier = (token: string) => Promise<Actor>

const MAX_TOKEN_LENGTH = 8_192

export function createTokenVerifier(auth: Config['auth']): TokenVerifier {
  const keys = auth.jwksUrl
    ? createRemoteJWKSet(new URL(auth.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 })
    : auth.jwks
      ? createLocalJWKSet(auth.jwks as never)
      : undefined

  return async (token) => {
    if (!keys || !auth.issuer || !auth.audience) throw unauthenticated('this server accepts no tokens: no identity provider is configured')
    if (token.length > MAX_TOKEN_LENGTH) throw unauthenticated('the token is too large')
    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, keys, {
        algorithms: auth.algorithms,
        issuer: auth.issuer,
        audience: auth.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: auth.clockToleranceSeconds,
      }))
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) throw unauthenticated('the token is not valid')
      throw err
    }
    return actorFromClaims(payload, auth)
  }
}

function actorFromClaims(payload: JWTPayload, auth: Config['auth']): Actor {
  const claimed = payload[auth.rolesClaim]
  const list = Array.isArray(claimed) ? claimed : typeof claimed === 'string' ? claimed.split(' ') : []
  // The most capable role the token carries decides what the caller may do.
  const role = [...roles].reverse().find((r) => list.includes(r)) as Role | undefined
  const agency = payload[auth.agencyClaim]
  if (!role || typeof agency !== 'string' || !agency) throw unauthenticated('the token names no known role or agency')
  return { kind: role, subject: String(payload.sub), agencySlug: agency }
}

const unauthenticated = (message: string) => new AppError('UNAUTHENTICATED', message)
