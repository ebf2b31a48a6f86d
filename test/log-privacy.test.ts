// What the logs may hold: no SQL parameters, personal data or stack paths whatever fails, and query values by allow-list only.
import t, { type Test } from 'tap'
import { buildApp } from '../src/app.ts'
import { serializeError, serializeProcessError } from '../src/logging.ts'
import { testConfig } from './helpers/build.ts'
import { createTestDatabase } from './helpers/database.ts'
import { bearer } from './helpers/auth.ts'
import { capturedLog } from './helpers/captured-log.ts'
import { createFixtures } from './helpers/fixtures.ts'

/** The app with its pino lines captured. */
async function appWithLog(t: Test) {
  const { lines, logStream } = capturedLog()
  const database = await createTestDatabase()
  const app = await buildApp({ config: testConfig({ LOG_LEVEL: 'info' }), database, logStream })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    await database.drop()
  })
  await createFixtures(database)
  return { app, database, lines }
}

const email = 'canary.giver@example.org'
const phone = '+1 555 867 5309'

t.test('when a statement carrying personal data fails, then the log has the code and request id but no SQL, parameter, email, phone or stack', async (t) => {
  const { app, database, lines } = await appWithLog(t)
  // The participant insert (which carries the giver's email and phone) fails inside the database.
  await database.raw(`create function refuse_insert() returns trigger language plpgsql as $$ begin raise exception 'refused by test trigger'; end $$`)
  await database.raw('create trigger refuse_participants before insert on participants for each row execute function refuse_insert()')
  const res = await app.inject({
    method: 'POST',
    url: '/v1/feedback',
    payload: { agency: 'metro', body: `Call me back on ${phone}`, language: 'en', topic: 'other', contact: { email, phone, consentToContact: true } },
  })
  t.equal(res.statusCode, 500)
  t.equal(res.json().code, 'INTERNAL')
  t.notMatch(res.body, email, 'the answer holds no email')

  const failed = lines.filter((l) => l.includes('request failed'))
  t.equal(failed.length, 1, 'the failure is logged once')
  const entry = JSON.parse(failed[0]!)
  t.equal(entry.reqId, res.json().requestId, 'with the request id')
  t.equal(entry.err?.cause?.code, 'P0001', 'and the SQLSTATE of what failed')
  const all = lines.join('\n')
  for (const [what, pattern] of [
    ['email', /canary\.giver/],
    ['phone number', /867.?5309/],
    ['SQL', /insert into|"participants"|Failed query/i],
    ['parameters', /params:/],
    ['stack frames or file paths', /\bat .*\(|\.ts:\d+|node:internal|\/work\//],
  ] as const)
    t.notMatch(all, pattern, `no ${what} in the log`)
})

t.test('when errors of any shape are serialized, then parameters, quoted values, emails, phones and stacks are left out', async (t) => {
  const drizzle = Object.assign(new Error(`Failed query: insert into "participants" ("contact") values ($1)\nparams: {"email":"${email}"}`), {
    query: 'insert into "participants" ("contact") values ($1)',
    params: [{ email }],
    cause: Object.assign(new Error('duplicate key value violates unique constraint "participants_email_key"'), {
      severity: 'ERROR',
      code: '23505',
      detail: `Key (email)=(${email}) already exists.`,
      constraint: 'participants_email_key',
      table: 'participants',
    }),
  })
  const serialized = JSON.stringify(serializeError(drizzle))
  t.notMatch(serialized, email)
  t.notMatch(serialized, /insert into|params/)
  t.match(serializeError(drizzle), { cause: { type: 'DatabaseError', code: '23505', constraint: 'participants_email_key', table: 'participants' } })
  const plain = serializeError(new TypeError(`cannot read ${email} or ${phone}`))
  t.same(Object.keys(plain).sort(), ['message', 'type'], 'no stack')
  t.notMatch(plain.message, email)
  t.notMatch(plain.message, /867/)
  t.same(serializeError({ message: 'Failed query: select 1\nparams: 42' }), { type: 'Error', message: 'a database statement failed (statement and parameters are not logged)' }, 'a bare object too')
})

t.test('when a request has a query string, then the log keeps allow-listed values and redacts the rest', async (t) => {
  const { app, lines } = await appWithLog(t)
  const staff = await bearer()
  await app.inject({ method: 'GET', url: '/v1/events?q=my+neighbour+Jane&limit=5&status=scheduled&cursor=abc123&access_token=secret-token' })
  await app.inject({ method: 'GET', url: '/v1/participants?purpose=checking+on+jane.doe%40example.org', headers: staff })
  await app.inject({ method: 'POST', url: '/oauth/token?client_secret=s3cr3t-value', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' })
  await app.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent('{ events(filter: { q: "secret search" }) { nodes { id } } }')}` })
  await app.inject({ method: 'GET', url: '/v1/events?jane.doe%40example.org' })
  await app.inject({ method: 'GET', url: '/v1/participants/jane.doe%40example.org', headers: staff })
  const urls = lines.map((l) => JSON.parse(l)).filter((e) => e.req).map((e) => e.req.url as string)
  t.ok(urls.includes('/v1/events?q=[redacted]&limit=5&status=scheduled&cursor=[present]&access_token=[redacted]'), 'a search term and a token are redacted; filters and paging are kept')
  t.ok(urls.includes('/v1/participants?purpose=[redacted]'), 'a purpose is redacted')
  t.ok(urls.includes('/oauth/token?client_secret=[redacted]'), 'a client secret is redacted')
  t.ok(urls.includes('/graphql?query=[redacted]'), 'a GraphQL document is redacted')
  t.ok(urls.includes('/v1/events?[redacted]=[redacted]'), 'text in a parameter name is redacted')
  t.ok(urls.includes('/v1/participants/[redacted]'), 'an email in the path is redacted')
  const all = lines.join('\n')
  for (const secret of ['Jane', 'secret-token', 'jane.doe', 's3cr3t', 'secret search', 'abc123']) t.notMatch(all, secret, `no ${secret} in the log`)
})

t.test('when an allow-listed parameter or a path segment holds an email, a street address or a phone number, then the log has [redacted] instead', async (t) => {
  const { app, lines } = await appWithLog(t)
  const id = '12345678-1234-4234-8234-123456789012'
  await app.inject({ method: 'GET', url: '/v1/events?status=jane.doe@example.org&area=12+Main+St&kind=555-867-5309' })
  await app.inject({ method: 'GET', url: '/v1/events?status=jane.doe%40example.org&language=%2B15558675309&topic=5558675309' })
  await app.inject({ method: 'GET', url: `/v1/events?from=2026-12-04&to=2026-12-04T10:00:00Z&areaId=${id},${id}&limit=20&status=scheduled,cancelled` })
  await app.inject({ method: 'GET', url: '/v1/participants/555-867-5309' })
  await app.inject({ method: 'GET', url: '/v1/participants/%2B1%20555%20867%205309' })
  await app.inject({ method: 'GET', url: `/v1/events/${id}` })
  const urls = lines.map((l) => JSON.parse(l)).filter((e) => e.req).map((e) => e.req.url as string)
  t.ok(urls.includes('/v1/events?status=[redacted]&area=[redacted]&kind=[redacted]'), 'an email, a street address and a phone number in filters are redacted')
  t.ok(urls.includes('/v1/events?status=[redacted]&language=[redacted]&topic=[redacted]'), 'percent-encoded too, and a bare digit run')
  t.ok(urls.includes(`/v1/events?from=2026-12-04&to=2026-12-04T10%3A00%3A00Z&areaId=${id}%2C${id}&limit=20&status=scheduled%2Ccancelled`), 'dates, ids, numbers and lists are kept')
  t.equal(urls.filter((u) => u === '/v1/participants/[redacted]').length, 2, 'a phone number in the path is redacted, encoded or not')
  t.ok(urls.includes(`/v1/events/${id}`), 'an id in the path is kept')
  // Request ids are random UUIDs (one held "-867a"): taken out before looking for the phone number's digits.
  const all = lines.join('\n').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
  // Digits are looked for as a number of their own: a log line's timestamp may contain 867 (1796426549867).
  for (const secret of [/jane/, /Main/, /(?<!\d)867(?!\d)/, /(?<!\d)5309(?!\d)/]) t.notMatch(all, secret, `no ${secret.source} in the log`)
})

t.test('when an error outside any request is serialized (a crash, a failed warm-up), then its stack frames are kept but never SQL, parameters or personal data', async (t) => {
  function failingDeepInside(): Error {
    return Object.assign(new Error(`Failed query: insert into "participants" ("contact") values ($1)\nparams: {"email":"${email}","phone":"${phone}"}`), {
      query: 'insert into "participants" ("contact") values ($1)',
      params: [{ email, phone }],
    })
  }
  const crash = serializeProcessError(failingDeepInside())
  const frames = crash.frames as string[]
  t.ok(Array.isArray(frames) && frames.length > 0, 'the stack frames are kept')
  t.match(frames[0], /failingDeepInside .*log-privacy\.test\.ts:\d+:\d+/, 'with the function, file and line')
  const serialized = JSON.stringify(crash)
  for (const [what, pattern] of [['email', /canary\.giver/], ['phone', /867.?5309/], ['SQL', /insert into|Failed query/i], ['parameters', /params/]] as const)
    t.notMatch(serialized, pattern, `no ${what}`)
  const plain = serializeProcessError(new TypeError(`cannot reach ${email}`))
  t.notMatch(JSON.stringify(plain), /canary/, 'a message is scrubbed as in request logs')
  t.same(serializeProcessError('a string'), { type: 'string' }, 'something that is not an error')
})
