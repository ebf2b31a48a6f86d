// A test identity provider: an ES256 key pair whose public half the server trusts, and tokens signed with it.
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose'
import { testClock } from './clock.ts'

export const issuer = 'https://idp.example.test/'
export const audience = 'community-engagement-api'

const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
const publicJwk = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'ES256', use: 'sig' }

export const jwks = { keys: [publicJwk] }

/** The server's own key for partner tokens (TOKEN_SIGNING_JWK): a private EC P-256 JWK. */
export const partnerSigningJwk = { ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)), kid: 'partner-test-1' }
export const signingKey = privateKey

/** `now`: when the token is issued (default: the test clock, the app's time); `expiresIn` counts from it. */
export type TokenOptions = { role?: string | string[]; agency?: string; sub?: string; expiresIn?: string; claims?: JWTPayload; now?: Date }

export async function tokenFor({ role = 'staff', agency = 'metro', sub = 'user-1', expiresIn = '10m', claims = {}, now = testClock.now() }: TokenOptions = {}): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000)
  return new SignJWT({ roles: [role].flat(), agency, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'test-key-1' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + seconds(expiresIn))
    .sign(privateKey)
}

export const bearer = async (opts: TokenOptions = {}) => ({ authorization: `Bearer ${await tokenFor(opts)}` })

/** "10m", "-1h", "30s", "2d" in seconds (jose reads a relative time from the wall clock, so it is counted here). */
function seconds(span: string): number {
  const match = /^(-?\d+)\s*([smhd])$/.exec(span)
  if (!match) throw new Error(`tokenFor: cannot read expiresIn ${span}`)
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as 's' | 'm' | 'h' | 'd']
}
