// GraphQL over HTTP: graphql-http's own audit, run against the app on a loopback port, finds no failing MUST rule.
import { auditServer } from 'graphql-http'
import t from 'tap'
import { buildApp } from '../src/app.ts'
import { testConfig } from './helpers/build.ts'
import { createTestDatabase } from './helpers/database.ts'

t.test('when graphql-http audits /graphql, then every MUST rule passes', async (t) => {
  const database = await createTestDatabase()
  const app = await buildApp({ config: testConfig(), database })
  t.teardown(async () => {
    await app.close()
    await database.drop()
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }

  const results = await auditServer({ url: `http://127.0.0.1:${port}/graphql` })
  t.ok(results.length > 40, `${results.length} rules audited`)
  const failedMust = results.filter((r) => r.name.startsWith('MUST') && r.status !== 'ok')
  t.same(failedMust.map((r) => `${r.id} ${r.name}: ${'reason' in r ? r.reason : r.status}`), [], 'no MUST rule fails')
  t.equal(results.filter((r) => r.status === 'error').length, 0, 'no rule errs')
  // SHOULD rules are reported, not required (mercurius answers 400, not 200, for documents that fail to parse or validate).
  for (const r of results.filter((r) => r.status === 'warn')) t.comment(`warn ${r.id} ${r.name}`)
})
