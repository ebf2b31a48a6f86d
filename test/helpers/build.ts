// build(t): a migrated database and the real app for one test file, torn down when the test ends.
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { clockFrom, type Clock } from '../../src/clock.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { fileDatabase, type FileDatabase } from './database.ts'
import { audience, issuer, jwks, partnerSigningJwk } from './auth.ts'
import { createFixtures } from './fixtures.ts'
import { testClock } from './clock.ts'

export type Built = { app: FastifyInstance; database: FileDatabase; config: Config; clock: Clock; fixtures: Awaited<ReturnType<typeof createFixtures>> }

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    LOG_LEVEL: 'silent',
    AUTH_ISSUER: issuer,
    AUTH_AUDIENCE: audience,
    AUTH_JWKS: JSON.stringify(jwks),
    TOKEN_SIGNING_JWK: JSON.stringify(partnerSigningJwk),
    PUBLIC_BASE_URL: 'http://api.example.test',
    // Test files send hundreds of requests from one address; the limit itself has its own test.
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000',
    // Every JSON body the tests see is also held to what JSON.stringify would have written (src/http/rest/response-schemas.ts).
    CHECK_RESPONSE_SERIALIZATION: 'true',
    CHECK_SQL_RENDERING: 'true',
    // No background webhook delivery (a poll would add statements to budgets other tests count); webhook tests turn it on.
    WEBHOOKS_DELIVERY: 'false',
    // Tests note scheduled times themselves (services.scheduledTimes.runOnce), at the clock they set.
    SCHEDULED_TIMES_POLL_MS: '0',
    ...overrides,
  })
}

let used = false

/**
 * The real app on the file's database, emptied to the migrated template and given fresh fixtures. `clock`: the app's
 * clock, for a test that moves time itself. `now`: the app's time
 * when built (it then ticks); default TEST_NOW, the time test tokens are minted at.
 */
export async function build(t: Test, { env = {} as Record<string, string>, now, clock: given }: { env?: Record<string, string>; now?: Date | string; clock?: Clock } = {}): Promise<Built> {
  const database = await fileDatabase()
  if (used) await database.reset()
  used = true
  const config = testConfig(env)
  // `clock`: a test that moves time itself (a simulated month) passes its own.
  const clock = given ?? (now === undefined ? testClock : clockFrom(new Date(now)))
  const app = await buildApp({ config, database, clock })
  await app.ready()
  t.teardown(() => app.close())
  const fixtures = await createFixtures(database)
  return { app, database, config, clock, fixtures }
}
