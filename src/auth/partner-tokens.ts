// Tokens this server signs for partner API clients (OAuth 2.0 client credentials): ES256 with the server's own key.
import { decodeJwt, errors as joseErrors, importJWK, jwtVerify, SignJWT, type JWTPayload } from 'jose'
import { systemClock, type Clock } from '../clock.ts'
import type { Config } from '../config.ts'

/** A partner client names its organization; a contact feed client (`feed`) names none. */
export type PartnerClaims = { clientId: string; agencySlug: string; organizationId: string } | { clientId: string; agencySlug: string; feed: true }

export type PartnerTokens = {
  issuer: string
  lifetimeSeconds: number
  /** Signs a short-lived token naming the client, its agency and its organization. */
  sign(claims: PartnerClaims): Promise<string>
  /** True when the token claims to come from this server (its issuer), so it is verified here and nowhere else. */
  claimsToBeOurs(token: string): boolean
  /** Verifies signature (ES256 only), issuer, audience and expiry; throws a jose error when any fails. */
  verify(token: string, clockToleranceSeconds: number): Promise<JWTPayload>
}

/** `clock`: tokens are stamped and judged at its time. */
export async function createPartnerTokens(settings: NonNullable<Config['partnerTokens']>, clock: Clock = systemClock): Promise<PartnerTokens> {
  const { d: _private, ...publicJwk } = settings.privateJwk
  const kid = settings.privateJwk.kid ?? 'partner-tokens'
  const privateKey = await importJWK(settings.privateJwk, 'ES256')
  const publicKey = await importJWK(publicJwk, 'ES256')
  return {
    issuer: settings.issuer,
    lifetimeSeconds: settings.lifetimeSeconds,
    sign: (claims) => {
      const issuedAt = Math.floor(clock.now().getTime() / 1000)
      const { clientId, agencySlug } = claims
      const body = 'feed' in claims ? { roles: ['contact_feed'], agency: agencySlug } : { roles: ['partner'], agency: agencySlug, org: claims.organizationId }
      return new SignJWT(body)
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setSubject(clientId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + settings.lifetimeSeconds)
        .sign(privateKey)
    },
    claimsToBeOurs(token) {
      try {
        return decodeJwt(token).iss === settings.issuer
      } catch (err) {
        if (err instanceof joseErrors.JOSEError) return false
        throw err
      }
    },
    async verify(token, clockToleranceSeconds) {
      const { payload } = await jwtVerify(token, publicKey, {
        algorithms: ['ES256'],
        issuer: settings.issuer,
        audience: settings.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: clockToleranceSeconds,
        currentDate: clock.now(),
      })
      return payload
    },
  }
}
