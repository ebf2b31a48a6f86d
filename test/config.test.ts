// Configuration is read once, validated with zod, and every problem is reported together.
import t from 'tap'
import { ConfigError, loadConfig, processSettings } from '../src/config.ts'

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

t.test('when a partner-token signing key is given, then it must be a private EC P-256 JWK, and the issuer defaults sensibly', async (t) => {
  t.equal(loadConfig({}).partnerTokens, undefined, 'no default key: partner credentials are off')
  const notJson = t.throws(() => loadConfig({ TOKEN_SIGNING_JWK: '{nope' })) as ConfigError
  t.match(notJson.problems.join('\n'), /TOKEN_SIGNING_JWK: is not valid JSON/)
  const publicOnly = t.throws(() => loadConfig({ TOKEN_SIGNING_JWK: JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'abc', y: 'def' }) })) as ConfigError
  t.match(publicOnly.problems.join('\n'), /TOKEN_SIGNING_JWK: must be a private EC P-256/, 'a public key cannot sign')
  const rsa = t.throws(() => loadConfig({ TOKEN_SIGNING_JWK: JSON.stringify({ kty: 'RSA', n: 'abc', e: 'AQAB', d: 'xyz' }) })) as ConfigError
  t.match(rsa.problems.join('\n'), /TOKEN_SIGNING_JWK/)

  const jwk = JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'eA', y: 'eQ', d: 'ZA' })
  t.match(loadConfig({ TOKEN_SIGNING_JWK: jwk }).partnerTokens, { issuer: 'urn:community-engagement-api', audience: 'community-engagement-api', lifetimeSeconds: 300 })
  t.match(loadConfig({ TOKEN_SIGNING_JWK: jwk, PUBLIC_BASE_URL: 'https://api.example.gov/' }).partnerTokens, { issuer: 'https://api.example.gov' })
  t.match(loadConfig({ TOKEN_SIGNING_JWK: jwk, TOKEN_ISSUER: 'https://tokens.example.gov', AUTH_AUDIENCE: 'engage' }).partnerTokens, { issuer: 'https://tokens.example.gov', audience: 'engage' })
  const clash = t.throws(() => loadConfig({ TOKEN_SIGNING_JWK: jwk, TOKEN_ISSUER: 'https://idp.example.gov/', AUTH_ISSUER: 'https://idp.example.gov/' })) as ConfigError
  t.match(clash.problems.join('\n'), /TOKEN_ISSUER: must differ from AUTH_ISSUER/)
})

t.test('when an idempotency scope secret is given, then it must be at least 32 characters', async (t) => {
  const short = t.throws(() => loadConfig({ IDEMPOTENCY_SCOPE_SECRET: 'too-short' })) as ConfigError
  t.match(short.problems.join('\n'), /IDEMPOTENCY_SCOPE_SECRET: must be at least 32 characters/)
  t.equal(loadConfig({ IDEMPOTENCY_SCOPE_SECRET: 'x'.repeat(32) }).idempotencyScopeSecret, 'x'.repeat(32))
  t.equal(loadConfig({}).idempotencyScopeSecret, undefined, 'no default secret')
})

t.test('when the server starts, then it limits the heap and malloc arenas unless the operator already did', async (t) => {
  const fourGb = 4288 * 1024 * 1024
  const flags = (env: NodeJS.ProcessEnv, execArgv: string[], limit = fourGb) => processSettings(env, execArgv, limit).flags
  t.same(processSettings({}, [], fourGb), { flags: ['--max-semi-space-size=8', '--max-old-space-size=1024'], env: { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '1048576' } }, 'Node defaults: both limits, two arenas, large blocks mapped')
  t.same(flags({}, ['--max-semi-space-size=16', '--max-old-space-size=1024'], 1072 * 1024 * 1024), [], 'once applied (the re-executed process), nothing more')
  t.same(flags({ NODE_OPTIONS: '--max_old_space_size=2048' }, []), ['--max-semi-space-size=8'], 'the operator’s old-space limit stays, in either spelling')
  t.same(flags({}, ['--max-semi-space-size=64']), ['--max-old-space-size=1024'], 'the operator’s young generation stays')
  t.same(flags({ NODE_OPTIONS: '--enable-source-maps --max-heap-size=3000' }, []), [], '--max-heap-size sets both')
  t.same(flags({}, [], 512 * 1024 * 1024), ['--max-semi-space-size=8'], 'a smaller limit (a container’s) is never raised')
  t.same(processSettings({ MALLOC_ARENA_MAX: '4', MALLOC_MMAP_THRESHOLD_: '65536' }, [], fourGb).env, {}, 'the operator’s arenas and threshold stay')
})

t.test('when webhook settings are left out, then https only, no loopback, retries over a day; a shorter give-up is refused', async (t) => {
  t.match(loadConfig({}).webhooks, { delivery: true, allowHttp: false, allowLoopback: false, timeoutMs: 10_000, retry: { baseMs: 30_000, maxMs: 14_400_000, giveUpAfterMs: 86_400_000 } })
  const err = t.throws(() => loadConfig({ WEBHOOKS_GIVE_UP_AFTER_S: '3600', WEBHOOKS_ALLOW_LOOPBACK: 'maybe' })) as ConfigError
  t.match(err.problems.join('\n'), /WEBHOOKS_GIVE_UP_AFTER_S: must be at least 86400/)
  t.match(err.problems.join('\n'), /WEBHOOKS_ALLOW_LOOPBACK/)
})

t.test('when a read replica is configured, then it needs the primary, a postgres URL and sane bounds, and is carried with its settings', async (t) => {
  const config = loadConfig({ DATABASE_URL: 'postgres://app@primary:5432/engage', DATABASE_REPLICA_URL: 'postgres://app@replica:5432/engage', DATABASE_REPLICA_MAX_LAG_MS: '500' })
  t.match(config.database, { kind: 'postgres', replica: { url: 'postgres://app@replica:5432/engage', maxLagMs: 500, pollMs: 200 } })
  t.notOk('replica' in loadConfig({ DATABASE_URL: 'postgres://app@primary:5432/engage' }).database, 'no replica unless configured')
  const err = t.throws(() => loadConfig({ DATABASE_REPLICA_URL: 'mysql://replica', DATABASE_REPLICA_MAX_LAG_MS: '-1', DATABASE_REPLICA_POLL_MS: '5' })) as ConfigError
  const text = err.problems.join('\n')
  for (const name of ['DATABASE_REPLICA_URL: must be a postgres', 'DATABASE_REPLICA_URL: needs DATABASE_URL', 'DATABASE_REPLICA_MAX_LAG_MS', 'DATABASE_REPLICA_POLL_MS']) t.match(text, name, `${name} is reported`)
})
