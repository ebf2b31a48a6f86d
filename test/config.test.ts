// Configuration is read once, validated with zod, and every problem is reported together.
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.ts'

t.test('when nothing is set, then the API runs on embedded PGlite on port 3000 with no secrets', async (t) => {
  const config = loadConfig({})
  t.equal(config.port, 3000)
  t.same(config.database, { kind: 'pglite', dataDir: '.data' })
  t.equal(config.auth.jwks, undefined, 'no default keys')
  t.equal(config.auth.issuer, undefined)
})

t.test('when DATABASE_URL is set, then PostgreSQL is used', async (t) => {
  const config = loadConfig({ DATABASE_URL: 'postgres://app@db.internal:5432/engage', PORT: '8080', HOST: '0.0.0.0' })
  t.match(config.database, { kind: 'postgres', url: 'postgres://app@db.internal:5432/engage' })
  t.equal(config.port, 8080)
  t.equal(config.host, '0.0.0.0')
})

t.test('when several settings are wrong, then all of them are reported at once', async (t) => {
  const err = t.throws(() =>
    loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', AUTH_JWKS: '{not json', AUTH_ALGORITHMS: 'HS256,none' }),
  ) as ConfigError
  t.ok(err instanceof ConfigError)
  const text = err.problems.join('\n')
  for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'AUTH_JWKS', 'AUTH_ALGORITHMS']) t.match(text, name, `${name} is reported`)
})

t.test('when keys are configured without issuer and audience, or with symmetric algorithms, then it is refused', async (t) => {
  const err = t.throws(() => loadConfig({ AUTH_JWKS: '{"keys":[{"kty":"EC"}]}', AUTH_ALGORITHMS: 'HS256' })) as ConfigError
  t.match(err.problems.join('\n'), /AUTH_ISSUER and AUTH_AUDIENCE/)
  t.match(err.problems.join('\n'), /AUTH_ALGORITHMS: only asymmetric/)
})
