// Development identity provider: mints a signed token for trying writes locally.
// It keeps a key pair in <DATA_DIR>/dev-idp/ (generated on first use, never shipped) and prints the
// settings the server needs to trust it. Usage: npm run token -- [role] [agency-slug] [subject]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose'

const [role = 'staff', agency = 'riverton', subject = 'dev-user'] = process.argv.slice(2)
const dir = join(process.env.DATA_DIR || '.data', 'dev-idp')
const issuer = 'http://localhost/dev-idp'
const audience = 'community-engagement-api'

let keys: { privateJwk: JWK; publicJwk: JWK; partnerJwk?: JWK }
const file = join(dir, 'keys.json')
if (existsSync(file)) keys = JSON.parse(readFileSync(file, 'utf8'))
else {
  const pair = await generateKeyPair('ES256', { extractable: true })
  keys = {
    privateJwk: { ...(await exportJWK(pair.privateKey)), kid: 'dev-1', alg: 'ES256' },
    publicJwk: { ...(await exportJWK(pair.publicKey)), kid: 'dev-1', alg: 'ES256', use: 'sig' },
  }
}
// The server's own key for partner API client tokens (TOKEN_SIGNING_JWK); kept next to the development IdP's.
if (!keys.partnerJwk) {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  keys.partnerJwk = { ...(await exportJWK(privateKey)), kid: 'dev-partner-1' }
}
mkdirSync(dir, { recursive: true })
writeFileSync(file, JSON.stringify(keys), { mode: 0o600 })

const token = await new SignJWT({ roles: [role], agency })
  .setProtectedHeader({ alg: 'ES256', kid: 'dev-1' })
  .setIssuer(issuer)
  .setAudience(audience)
  .setSubject(subject)
  .setIssuedAt()
  .setExpirationTime('8h')
  .sign(await importJWK(keys.privateJwk, 'ES256'))

process.stdout.write(`# Start the server trusting the development key:
export AUTH_ISSUER='${issuer}' AUTH_AUDIENCE='${audience}' AUTH_JWKS='${JSON.stringify({ keys: [keys.publicJwk] })}'
# and sign partner API client tokens (POST /oauth/token) with a development key:
export TOKEN_SIGNING_JWK='${JSON.stringify(keys.partnerJwk)}'
# A ${role} token for agency "${agency}", valid 8 hours:
export TOKEN='${token}'
`)
