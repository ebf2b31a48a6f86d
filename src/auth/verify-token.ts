// Verifies bearer tokens from the agency's identity provider with jose and turns their claims into an Actor.
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose'
import { systemClock, type Clock } from '../clock.ts'
import type { Config } from '../config.ts'
import { AppError } from '../errors.ts'
import { isUuid } from '../modules/shared/validation.ts'
import { roles, type Actor, type Role } from './actor.ts'
import type { PartnerTokens } from './partner-tokens.ts'

export type TokenVerifier = (token: string) => Promise<Actor>

const MAX_TOKEN_LENGTH = 8_192

/** How partner tokens are checked: this server's key, and whether the credential behind one is still live. */
export type PartnerTokenCheck = { tokens: PartnerTokens; isActive(clientId: string): Promise<boolean> }

/** Whether an organization named by a token is still an active partner of the token's agency. */
export type PartnershipCheck = (agencySlug: string, organizationId: string) => Promise<boolean>

/** `clock`: a token is judged at its time (expiry, not-before, issued-at). */
export function createTokenVerifier(auth: Config['auth'], partner?: PartnerTokenCheck, isActivePartner?: PartnershipCheck, clock: Clock = systemClock): TokenVerifier {
  const keys = auth.jwksUrl
    ? createRemoteJWKSet(new URL(auth.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 })
    : auth.jwks
      ? createLocalJWKSet(auth.jwks as never)
      : undefined

  // A verified signature stays verified: a token seen again within VERIFIED_MS skips the signature check (an ES256 or
  // RS256 verification is most of an authenticated request's CPU); its time claims are checked again every time.
  const verified = new Map<string, { payload: JWTPayload; at: number }>()

  return async (token) => {
    if (token.length > MAX_TOKEN_LENGTH) throw unauthenticated('the token is too large')
    if (partner?.tokens.claimsToBeOurs(token)) return verifyPartnerToken(token, partner, auth.clockToleranceSeconds, clock)
    if (!keys || !auth.issuer || !auth.audience) throw unauthenticated('this server accepts no tokens: no identity provider is configured')
    const known = verified.get(token)
    let payload: JWTPayload
    if (known && performance.now() - known.at < VERIFIED_MS) {
      payload = known.payload
      if (!withinTime(payload, auth.clockToleranceSeconds, clock.now())) throw unauthenticated('the token is not valid')
    } else payload = await verifyFromProvider(token)
    refuseFutureIssue(payload, auth.clockToleranceSeconds, clock.now())
    const actor = actorFromClaims(payload, auth)
    // The identity provider knows nothing of partnerships: a paused or ended one ends the token's rights here.
    if (actor.kind === 'partner' && actor.organizationId && isActivePartner && !(await isActivePartner(actor.agencySlug, actor.organizationId)))
      throw unauthenticated('the organization this token speaks for is not an active partner')
    return actor
  }

  async function verifyFromProvider(token: string): Promise<JWTPayload> {
    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, keys!, {
        algorithms: auth.algorithms,
        issuer: auth.issuer,
        audience: auth.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: auth.clockToleranceSeconds,
        currentDate: clock.now(),
      }))
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) throw unauthenticated('the token is not valid')
      throw err
    }
    if (verified.size >= VERIFIED_TOKENS) verified.delete(verified.keys().next().value!)
    verified.set(token, { payload, at: performance.now() })
    return payload
  }
}

/** How long a checked signature is trusted (a key the provider withdraws stops working within it), and for how many tokens. */
const VERIFIED_MS = 60_000
const VERIFIED_TOKENS = 10_000

/** jwtVerify's time checks, for a token whose signature was already checked: not expired, already valid (with tolerance). */
function withinTime(payload: JWTPayload, toleranceSeconds: number, now: Date): boolean {
  const seconds = now.getTime() / 1000
  if (typeof payload.exp !== 'number' || payload.exp <= seconds - toleranceSeconds) return false
  return payload.nbf === undefined || (typeof payload.nbf === 'number' && payload.nbf <= seconds + toleranceSeconds)
}

/** jose checks `iat` only against a maximum age; a token issued later than now (beyond the tolerance) is refused too. */
function refuseFutureIssue(payload: JWTPayload, clockToleranceSeconds: number, now: Date) {
  if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > now.getTime() / 1000 + clockToleranceSeconds)) throw unauthenticated('the token is not valid')
}

function actorFromClaims(payload: JWTPayload, auth: Config['auth']): Actor {
  const claimed = payload[auth.rolesClaim]
  const list = Array.isArray(claimed) ? claimed : typeof claimed === 'string' ? claimed.split(' ') : []
  // The most capable role the token carries decides what the caller may do.
  const role = [...roles].reverse().find((r) => list.includes(r)) as Role | undefined
  const agency = payload[auth.agencyClaim]
  // A platform operator belongs to no agency: its token need not name one.
  if (role === 'operator') return { kind: role, subject: String(payload.sub), agencySlug: typeof agency === 'string' ? agency : '' }
  if (!role || typeof agency !== 'string' || !agency) throw unauthenticated('the token names no known role or agency')
  // A partner token speaks for one organization (its `org` claim); without one it has only the public's reach.
  const org = payload.org
  if (role === 'partner' && typeof org === 'string' && isUuid(org)) return { kind: role, subject: String(payload.sub), agencySlug: agency, organizationId: org }
  return { kind: role, subject: String(payload.sub), agencySlug: agency }
}

/** A token this server issued to a partner API client: valid only while the client is not revoked. */
async function verifyPartnerToken(token: string, partner: PartnerTokenCheck, clockToleranceSeconds: number, clock: Clock): Promise<Actor> {
  let payload: JWTPayload
  try {
    payload = await partner.tokens.verify(token, clockToleranceSeconds)
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) throw unauthenticated('the token is not valid')
    throw err
  }
  refuseFutureIssue(payload, clockToleranceSeconds, clock.now())
  const { sub, agency, org, roles: claimed } = payload as JWTPayload & { agency?: unknown; org?: unknown; roles?: unknown }
  // A contact feed's token posts contact events and otherwise reaches what the public does (a partner of no organization).
  if (typeof sub === 'string' && typeof agency === 'string' && org === undefined && Array.isArray(claimed) && claimed.length === 1 && claimed[0] === 'contact_feed') {
    if (!(await partner.isActive(sub))) throw unauthenticated('the credential this token was issued for has been revoked')
    return { kind: 'partner', subject: sub, agencySlug: agency, feed: true }
  }
  if (typeof sub !== 'string' || typeof agency !== 'string' || typeof org !== 'string' || !isUuid(org) || !Array.isArray(claimed) || !claimed.includes('partner'))
    throw unauthenticated('the token names no known role or agency')
  if (!(await partner.isActive(sub))) throw unauthenticated('the credential this token was issued for has been revoked')
  return { kind: 'partner', subject: sub, agencySlug: agency, organizationId: org }
}

const unauthenticated = (message: string) => new AppError('UNAUTHENTICATED', message)
