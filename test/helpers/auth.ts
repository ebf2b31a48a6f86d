// A test identity provider: an ES256 key pair whose public half the server trusts, and tokens signed with it.
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose'

export const issuer = 'https://idp.example.test/'
export const audience = 'community-engagement-api'

const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
const publicJwk = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'ES256', use: 'sig' }

export const jwks = { keys: [publicJwk] }

/** The server's own key for partner tokens (TOKEN_SIGNING_JWK): a private EC P-256 JWK. */
export const partnerSigningJwk = { ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)), kid: 'partner-test-1' }
export const signingKey = privateKey

export type TokenOptions = { role?: string | string[]; agency?: string; sub?: string; expiresIn?: string; claims?: JWTPayload }

export async function tokenFor({ role = 'staff', agency = 'metro', sub = 'user-1', expiresIn = '10m', claims = {} }: TokenOptions = {}): Promise<string> {
  return new SignJWT({ roles: [role].flat(), agency, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'test-key-1' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(privateKey)
}

export const bearer = async (opts: TokenOptions = {}) => ({ authorization: `Bearer ${await tokenFor(opts)}` })
