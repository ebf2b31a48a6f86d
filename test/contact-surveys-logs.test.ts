// What the logs hold of surveys after police contact, at debug level: no phone, email, contact id or link token, whether
// the batch is taken, refused, fails inside the database, or its invitation is delivered and answered.
import t from 'tap'
import { buildApp } from '../src/app.ts'
import { testConfig } from './helpers/build.ts'
import { createTestDatabase } from './helpers/database.ts'
import { bearer } from './helpers/auth.ts'
import { TEST_NOW } from './helpers/clock.ts'
import { capturedLog } from './helpers/captured-log.ts'
import { createFixtures } from './helpers/fixtures.ts'
import { eventually, startReceiver } from './helpers/webhook-receiver.ts'

const { lines, logStream } = capturedLog()
const database = await createTestDatabase()
const app = await buildApp({ config: testConfig({ LOG_LEVEL: 'debug', WEBHOOKS_ALLOW_HTTP: 'true', WEBHOOKS_ALLOW_LOOPBACK: 'true' }), database, logStream, clock: { now: () => new Date(TEST_NOW) } })
await app.ready()
t.teardown(async () => {
  await app.close()
  await database.drop()
})
await createFixtures(database)
const staff = { ...(await bearer({ role: 'staff' })), 'content-type': 'application/json' }
const admin = { ...(await bearer({ role: 'admin', sub: 'admin-1' })), 'content-type': 'application/json' }
const phone = '+15558675309'
const email = 'canary.contact@example.org'
const cadId = 'CAD-LOG-CANARY-77'
const at = new Date(Date.parse(TEST_NOW) - 30 * 60_000).toISOString()
const contact = (over: Record<string, unknown>) => ({ id: cadId, kind: 'traffic_stop', occurredAt: at, area: 'D1', channel: 'sms', address: phone, language: 'en', ...over })

t.test('when contacts are posted, delivered, answered and refused, then no log line holds a phone, email, contact id or token', async (t) => {
  const receiver = await startReceiver(t)
  const sub = (await app.inject({ method: 'POST', url: '/v1/webhook-subscriptions', headers: admin, payload: { url: receiver.url, eventTypes: ['contact_invitation.issued'] } })).json()
  const posted = await app.inject({ method: 'POST', url: '/v1/contact-events', headers: staff, payload: { contacts: [contact({}), contact({ id: `${cadId}-2`, channel: 'email', address: email }), contact({ id: `${cadId}-3`, address: `${phone}x` })] } })
  t.equal(posted.statusCode, 200)
  // The dispatcher reads only below the oldest running transaction (other test files share a PostgreSQL cluster): retry.
  const deliver = async () => (await app.services.webhookDelivery.dispatch(), await app.services.webhookDelivery.sendFor(sub.id), receiver.delivered().length >= 2)
  t.ok(await eventually(deliver), 'both invitations delivered')
  const token = (JSON.parse(receiver.delivered()[0]!.body).data.invitation.link as string).split('#token=')[1]!
  t.equal((await app.inject({ method: 'POST', url: '/v1/contact-survey-responses', headers: { 'content-type': 'application/json' }, payload: { token, trust: 4, comment: 'Fine.' } })).statusCode, 201)
  t.equal((await app.inject({ method: 'POST', url: '/v1/contact-survey-opt-outs', headers: { 'content-type': 'application/json' }, payload: { agency: 'metro', email } })).statusCode, 202)
  t.equal((await app.inject({ method: 'POST', url: '/v1/contact-survey-opt-outs', headers: { 'content-type': 'application/json' }, payload: { agency: 'metro', phone: `${phone}zz` } })).statusCode, 400)
  // A failure inside the database while the batch (with its addresses as parameters) is written.
  await database.raw(`create function refuse_invitation() returns trigger language plpgsql as $$ begin raise exception 'refused by test trigger'; end $$`)
  await database.raw('create trigger refuse_invitations before insert on contact_invitations for each row execute function refuse_invitation()')
  const failed = await app.inject({ method: 'POST', url: '/v1/contact-events', headers: staff, payload: { contacts: [contact({ id: `${cadId}-4`, address: '+15558675310' })] } })
  t.equal(failed.statusCode, 500)
  t.equal(failed.json().code, 'INTERNAL')
  t.notMatch(failed.body, /5558675310/)
  t.ok(lines.some((l) => l.includes('request failed')), 'the failure is logged')
  t.ok(lines.length >= 5, `${lines.length} lines logged`)
  const log = lines.join('\n')
  for (const canary of [phone.slice(2), email, cadId, token, '5558675310']) t.notOk(log.includes(canary), `no ${canary.slice(0, 12)}… in the log`)
})
