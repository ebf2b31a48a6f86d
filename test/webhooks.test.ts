// Webhooks end to end on the real app and a real receiver on 127.0.0.1: signatures verified with the standardwebhooks
// library, rotation, a receiver down then back (0 lost, in order), access, and bad input.
import t from 'tap'
import { Webhook } from 'standardwebhooks'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'
import { eventually, startReceiver } from './helpers/webhook-receiver.ts'

const { app, fixtures } = await build(t, {
  env: { WEBHOOKS_DELIVERY: 'true', WEBHOOKS_ALLOW_HTTP: 'true', WEBHOOKS_ALLOW_LOOPBACK: 'true', WEBHOOKS_POLL_MS: '100', WEBHOOKS_RETRY_BASE_S: '1', WEBHOOKS_RETRY_MAX_S: '60' },
})
const admin = await bearer({ role: 'admin', agency: 'metro' })
const staff = await bearer({ role: 'staff', agency: 'metro' })
const json = (headers: Record<string, string>) => ({ ...headers, 'content-type': 'application/json' })

async function subscribe(headers: Record<string, string>, body: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: '/v1/webhook-subscriptions', headers: json(headers), payload: body })
  if (res.statusCode !== 201) throw new Error(`subscribe: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string; secret: string; url: string }
}
const schedule = async (overrides: Record<string, unknown> = {}) => {
  const res = await app.inject({ method: 'POST', url: '/v1/events', headers: json(staff), payload: eventBody({ areaId: fixtures.areas.north.id, ...overrides }) })
  if (res.statusCode !== 201) throw new Error(`schedule: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
const submitFeedback = async (headers: Record<string, string>, body: string, channel = 'in_person') => {
  const res = await app.inject({ method: 'POST', url: '/v1/feedback', headers: json(headers), payload: { body, language: 'en', topic: 'community_safety', channel, areaId: fixtures.areas.south.id } })
  if (res.statusCode !== 201) throw new Error(`feedback: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
const typeOf = (body: string) => (JSON.parse(body) as { type: string }).type

t.test('when an admin subscribes and an event is scheduled, then the receiver gets it signed (verified with standardwebhooks), thin and privacy-safe', async (t) => {
  const receiver = await startReceiver(t)
  const sub = await subscribe(admin, { url: receiver.url, eventTypes: ['event.scheduled'] })
  t.match(sub.secret, /^whsec_[A-Za-z0-9+/]+=*$/, 'a Standard Webhooks secret, shown once')
  const id = await schedule()
  t.ok(await eventually(() => receiver.delivered().length >= 1), 'delivered')
  const [hit] = receiver.delivered()
  const verified = new Webhook(sub.secret).verify(hit!.body, hit!.headers as Record<string, string>) as { type: string; timestamp: string; data: Record<string, unknown> }
  t.equal(verified.type, 'event.scheduled')
  t.strictSame(Object.keys(verified.data).sort(), ['agencyId', 'id', 'occurredAt', 'resourceType', 'url', 'version'])
  t.equal(verified.data.id, id)
  t.equal(verified.data.url, `http://api.example.test/v1/events/${id}`)
  t.notMatch(hit!.body, /Coffee|Corner Café|Main St/, 'no content of the event in the payload')
  t.match(hit!.headers['webhook-id'], /^msg_/)
  t.throws(() => new Webhook(`whsec_${Buffer.from('not the secret, not at all!!').toString('base64')}`).verify(hit!.body, hit!.headers as Record<string, string>), 'another secret does not verify')
  // The receiver has answered; the sender records it a moment later.
  const logged = async () => (await app.inject({ method: 'GET', url: `/v1/webhook-subscriptions/${sub.id}/deliveries`, headers: admin })).json().data[0]
  t.ok(await eventually(async () => (await logged())?.status === 'delivered'))
  t.match(await logged(), { webhookId: hit!.headers['webhook-id'], status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null })
  await app.inject({ method: 'DELETE', url: `/v1/webhook-subscriptions/${sub.id}`, headers: admin })
})

t.test('when the secret is rotated, then both the old and the new secret verify the messages sent during the overlap', async (t) => {
  const receiver = await startReceiver(t)
  const sub = await subscribe(admin, { url: receiver.url, eventTypes: ['event.scheduled'] })
  const rotated = await app.inject({ method: 'POST', url: `/v1/webhook-subscriptions/${sub.id}/rotate-secret`, headers: json(admin), payload: { overlapSeconds: 3600 } })
  t.equal(rotated.statusCode, 200)
  t.equal(rotated.headers['cache-control'], 'no-store')
  const fresh = rotated.json().secret as string
  t.not(fresh, sub.secret)
  t.ok(rotated.json().previousSecretExpiresAt)
  await schedule()
  t.ok(await eventually(() => receiver.delivered().length >= 1), 'delivered')
  const [hit] = receiver.delivered()
  t.equal(String(hit!.headers['webhook-signature']).split(' ').length, 2, 'two signatures')
  t.ok(new Webhook(fresh).verify(hit!.body, hit!.headers as Record<string, string>), 'the new secret verifies')
  t.ok(new Webhook(sub.secret).verify(hit!.body, hit!.headers as Record<string, string>), 'the old secret still verifies')
  // An overlap of 0 ends the old secret at once.
  const again = await app.inject({ method: 'POST', url: `/v1/webhook-subscriptions/${sub.id}/rotate-secret`, headers: json(admin), payload: { overlapSeconds: 0 } })
  await schedule()
  t.ok(await eventually(() => receiver.delivered().length >= 2), 'delivered again')
  const second = receiver.delivered()[1]!
  t.ok(new Webhook(again.json().secret).verify(second.body, second.headers as Record<string, string>))
  t.throws(() => new Webhook(fresh).verify(second.body, second.headers as Record<string, string>), 'the secret rotated out no longer signs')
  await app.inject({ method: 'DELETE', url: `/v1/webhook-subscriptions/${sub.id}`, headers: admin })
})

t.test('when the receiver is down for a while then back, then every delivery arrives, in order, 0 lost, repeats only under the same webhook-id', async (t) => {
  const receiver = await startReceiver(t)
  const sub = await subscribe(admin, { url: receiver.url, eventTypes: ['feedback.received'] })
  receiver.answer(503)
  const ids: string[] = []
  for (let i = 0; i < 12; i++) ids.push(await submitFeedback(staff, `down-then-back ${i}`))
  t.ok(await eventually(() => receiver.received.length >= 2, 10_000), 'attempts were made while it was down')
  await new Promise((r) => setTimeout(r, 1_500))
  receiver.answer(200)
  t.ok(await eventually(() => new Set(receiver.delivered().map((r) => r.headers['webhook-id'])).size >= ids.length, 20_000), 'all arrived')
  const firstArrival = new Map<string, string>()
  for (const r of receiver.delivered()) {
    const data = (JSON.parse(r.body) as { data: { id: string } }).data
    const webhookId = String(r.headers['webhook-id'])
    if (!firstArrival.has(data.id)) firstArrival.set(data.id, webhookId)
    t.equal(firstArrival.get(data.id), webhookId, 'a repeat carries the same webhook-id')
  }
  t.strictSame([...firstArrival.keys()], ids, 'in the order they were made, none lost')
  const sent = receiver.received.map((r) => (JSON.parse(r.body) as { data: { id: string } }).data.id)
  // Strict order per endpoint: nothing later is sent before an earlier one has been accepted.
  const accepted = new Set<string>()
  let overtaken = 0
  for (const [i, r] of receiver.received.entries()) {
    const at = ids.indexOf(sent[i]!)
    if (ids.slice(0, at).some((earlier) => !accepted.has(earlier))) overtaken++
    if (r.status < 300) accepted.add(sent[i]!)
  }
  t.equal(overtaken, 0, 'no delivery was sent before an earlier one had arrived')
  const deliveries = async () => (await app.inject({ method: 'GET', url: `/v1/webhook-subscriptions/${sub.id}/deliveries?limit=200`, headers: admin })).json()
  await eventually(async () => (await deliveries()).data.every((d: { status: string }) => d.status === 'delivered'))
  const log = await deliveries()
  t.equal(log.data.length, ids.length)
  t.ok(log.data.every((d: { status: string }) => d.status === 'delivered'))
  t.ok(log.data.some((d: { attempts: number }) => d.attempts > 1), 'the first was retried')
  await app.inject({ method: 'DELETE', url: `/v1/webhook-subscriptions/${sub.id}`, headers: admin })
})

t.test('when a partner subscribes, then it gets public changes and those of its own organization, never other agency-only ones', async (t) => {
  const own = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: json(staff), payload: { name: 'Own partner', kind: 'youth' } })).json()
  const partner = await bearer({ role: 'partner', sub: 'p-own', claims: { org: own.id } })
  const receiver = await startReceiver(t)
  const sub = await subscribe(partner, { url: receiver.url })
  t.equal((await app.inject({ method: 'GET', url: `/v1/webhook-subscriptions/${sub.id}`, headers: partner })).json().organizationId, own.id)
  const adminReceiver = await startReceiver(t)
  const adminSub = await subscribe(admin, { url: adminReceiver.url, eventTypes: ['feedback.received', 'event.scheduled'] })
  const staffFeedback = await submitFeedback(staff, 'staff-taken feedback, agency only')
  const partnerFeedback = await submitFeedback(partner, 'partner-collected feedback', 'partner_collected')
  const event = await schedule()
  t.ok(await eventually(() => receiver.delivered().length >= 2 && adminReceiver.delivered().length >= 3), 'delivered')
  await new Promise((r) => setTimeout(r, 500))
  const partnerGot = receiver.delivered().map((r) => (JSON.parse(r.body) as { data: { id: string } }).data.id)
  t.ok(partnerGot.includes(partnerFeedback), 'its own organization\'s feedback')
  t.ok(partnerGot.includes(event), 'a public event')
  t.notOk(partnerGot.includes(staffFeedback), 'not agency-only feedback of others')
  const adminGot = adminReceiver.delivered().map((r) => (JSON.parse(r.body) as { data: { id: string } }).data.id)
  t.ok([staffFeedback, partnerFeedback, event].every((id) => adminGot.includes(id)), 'the agency\'s systems get all of the agency\'s')

  // Who sees which subscription: 404 for a partner asking for the admin's, the admin sees both.
  t.equal((await app.inject({ method: 'GET', url: `/v1/webhook-subscriptions/${adminSub.id}`, headers: partner })).statusCode, 404)
  const partnerList = (await app.inject({ method: 'GET', url: '/v1/webhook-subscriptions', headers: partner })).json().data
  t.strictSame(partnerList.map((s: { id: string }) => s.id), [sub.id])
  const adminList = (await app.inject({ method: 'GET', url: '/v1/webhook-subscriptions', headers: admin })).json().data.map((s: { id: string }) => s.id)
  t.ok(adminList.includes(sub.id) && adminList.includes(adminSub.id))
  t.notOk(JSON.stringify(partnerList).includes('whsec_'), 'no secret in a listing')
  const other = await bearer({ role: 'admin', agency: 'lakeside' })
  t.equal((await app.inject({ method: 'GET', url: `/v1/webhook-subscriptions/${sub.id}`, headers: other })).statusCode, 404, 'another agency: 404')

  // A paused partnership: nothing more is owed or sent to the partner, though its subscription stays.
  const paused = await app.inject({ method: 'PATCH', url: `/v1/organizations/${own.id}`, headers: { ...json(staff), 'if-match': '*' }, payload: { partnershipStatus: 'paused' } })
  t.equal(paused.statusCode, 200)
  const before = receiver.received.length
  const afterPause = await schedule()
  t.ok(await eventually(() => adminReceiver.delivered().some((r) => JSON.parse(r.body).data.id === afterPause)), 'the agency still gets it')
  await new Promise((r) => setTimeout(r, 500))
  t.equal(receiver.received.length, before, 'the paused partner does not')
  await app.inject({ method: 'DELETE', url: `/v1/webhook-subscriptions/${adminSub.id}`, headers: admin })
})

t.test('when the public, staff or an analyst ask, or input is bad, then the answer is a problem, never a 500', async (t) => {
  const analyst = await bearer({ role: 'analyst', agency: 'metro' })
  const url = '/v1/webhook-subscriptions'
  t.equal((await app.inject({ method: 'GET', url })).statusCode, 401)
  t.equal((await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: { url: 'https://hooks.example.com/x' } })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url, headers: staff })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url, headers: json(analyst), payload: { url: 'https://hooks.example.com/x' } })).statusCode, 403)
  const bad: [unknown, string][] = [
    [{}, 'url'],
    [{ url: 'ftp://hooks.example.com/' }, 'url'],
    [{ url: 'http://169.254.169.254/latest/meta-data/' }, 'url'],
    [{ url: 'https://10.0.0.1/hook' }, 'url'],
    [{ url: 'https://hooks.example.com/x', eventTypes: ['not a type'] }, 'eventTypes.0'],
    [{ url: 'https://hooks.example.com/x', areaIds: ['nope'] }, 'areaIds.0'],
    [{ url: 'https://hooks.example.com/x', areaIds: [fixtures.areas.lakeArea.id] }, 'areaIds.0'],
    [{ url: 'https://hooks.example.com/x', secret: 'mine' }, 'secret'],
  ]
  for (const [payload, field] of bad) {
    const res = await app.inject({ method: 'POST', url, headers: json(admin), payload: payload as object })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.ok(res.json().errors.some((e: { field: string }) => e.field === field), `names ${field}`)
  }
  t.equal((await app.inject({ method: 'GET', url: `${url}/not-a-uuid`, headers: admin })).json().code, 'WEBHOOK_SUBSCRIPTION_NOT_FOUND')
  const sub = await subscribe(admin, { url: 'https://hooks.example.com/x' })
  t.equal((await app.inject({ method: 'GET', url: `${url}/${sub.id}/deliveries?cursor=zzz`, headers: admin })).json().code, 'INVALID_CURSOR')
  t.equal((await app.inject({ method: 'GET', url: `${url}/${sub.id}/deliveries?limit=0`, headers: admin })).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: `${url}/${sub.id}/replay`, headers: json(admin), payload: { since: 'yesterday' } })).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: `${url}/${sub.id}/deliveries/00000000-0000-4000-8000-000000000000/replay`, headers: admin })).json().code, 'WEBHOOK_DELIVERY_NOT_FOUND')
  t.equal((await app.inject({ method: 'PATCH', url: `${url}/${sub.id}`, headers: json(admin), payload: { url: 'https://metadata.google.internal/x' } })).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: `${url}/${sub.id}/rotate-secret`, headers: json(admin), payload: { overlapSeconds: -1 } })).statusCode, 400)
  const patched = await app.inject({ method: 'PATCH', url: `${url}/${sub.id}`, headers: json(admin), payload: { description: 'CRM sync', areaIds: [fixtures.areas.north.id] } })
  t.equal(patched.statusCode, 200)
  t.match(patched.json(), { description: 'CRM sync', areaIds: [fixtures.areas.north.id] })
  t.equal((await app.inject({ method: 'DELETE', url: `${url}/${sub.id}`, headers: admin })).statusCode, 204)
  t.equal((await app.inject({ method: 'GET', url: `${url}/${sub.id}`, headers: admin })).statusCode, 404, 'gone')
})

t.test('when a subscription filters by area, then only changes in that area reach it', async (t) => {
  const receiver = await startReceiver(t)
  const sub = await subscribe(admin, { url: receiver.url, areaIds: [fixtures.areas.south.id], eventTypes: ['event.scheduled'] })
  await schedule({ areaId: fixtures.areas.north.id })
  const south = await schedule({ areaId: fixtures.areas.south.id })
  t.ok(await eventually(() => receiver.delivered().length >= 1))
  await new Promise((r) => setTimeout(r, 500))
  t.strictSame(receiver.delivered().map((r) => (JSON.parse(r.body) as { data: { id: string } }).data.id), [south])
  t.equal(typeOf(receiver.delivered()[0]!.body), 'event.scheduled')
  await app.inject({ method: 'DELETE', url: `/v1/webhook-subscriptions/${sub.id}`, headers: admin })
})

t.test('when GraphQL is used, then the same rules hold: problems carry extensions.code, and a subscription made there delivers', async (t) => {
  const gql = async (query: string, headers: Record<string, string> = {}) => (await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query } })).json()
  t.equal((await gql('{ webhookSubscriptions { id } }')).errors[0].extensions.code, 'UNAUTHENTICATED')
  t.equal((await gql('{ webhookSubscriptions { id } }', staff)).errors[0].extensions.code, 'FORBIDDEN')
  t.equal((await gql('mutation { createWebhookSubscription(input: { url: "https://[::ffff:10.0.0.1]/" }) { secret } }', admin)).errors[0].extensions.code, 'VALIDATION_FAILED')
  t.equal((await gql('{ webhookSubscription(id: "nope") { id } }', admin)).errors[0].extensions.code, 'WEBHOOK_SUBSCRIPTION_NOT_FOUND')
  const receiver = await startReceiver(t)
  const created = (await gql(`mutation { createWebhookSubscription(input: { url: "${receiver.url}", eventTypes: ["event.scheduled"] }) { secret subscription { id status } } }`, admin)).data.createWebhookSubscription
  t.equal(created.subscription.status, 'ACTIVE')
  await schedule()
  t.ok(await eventually(() => receiver.delivered().length >= 1))
  const hit = receiver.delivered()[0]!
  t.ok(new Webhook(created.secret).verify(hit.body, hit.headers as Record<string, string>))
  const read = async () => (await gql(`{ webhookDeliveries(subscriptionId: "${created.subscription.id}") { nodes { webhookId status } nextCursor } }`, admin)).data.webhookDeliveries
  await eventually(async () => (await read()).nodes[0]?.status === 'DELIVERED')
  const log = await read()
  t.match(log, { nodes: [{ webhookId: hit.headers['webhook-id'], status: 'DELIVERED' }], nextCursor: null })
  t.equal((await gql(`mutation { deleteWebhookSubscription(id: "${created.subscription.id}") }`, admin)).data.deleteWebhookSubscription, true)
})

t.test('when a participant with contact details registers, then the agency\'s webhook says who changed, never their name or contact', async (t) => {
  const receiver = await startReceiver(t)
  const sub = await subscribe(admin, { url: receiver.url, eventTypes: ['participant.registered'] })
  const res = await app.inject({ method: 'POST', url: '/v1/participants', headers: json(staff), payload: { displayName: 'Mai Tran', contact: { email: 'mai@example.org', phone: '+1 555 0111' }, consents: { contact: true, dataUse: true } } })
  t.equal(res.statusCode, 201)
  t.ok(await eventually(() => receiver.delivered().length >= 1))
  const hit = receiver.delivered()[0]!
  t.equal(JSON.parse(hit.body).data.id, res.json().id)
  // The phone in full: a random id in the body may hold 555.
  t.notMatch(hit.body, /Mai|Tran|example\.org|555 0111|5550111/, 'no name, email or phone')
  t.notMatch(JSON.stringify(hit.headers), /Mai|example\.org|555 0111/)
  await app.inject({ method: 'DELETE', url: `/v1/webhook-subscriptions/${sub.id}`, headers: admin })
})

t.test('when a subscription filters by organization, then only changes of resources that organization belongs to reach it', async (t) => {
  const host = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: json(staff), payload: { name: 'Co-host', kind: 'faith' } })).json()
  const receiver = await startReceiver(t)
  const sub = await subscribe(admin, { url: receiver.url, organizationIds: [host.id] })
  await schedule()
  const hosted = await schedule({ coHostIds: [host.id] })
  t.ok(await eventually(() => receiver.delivered().length >= 1))
  await new Promise((r) => setTimeout(r, 500))
  t.strictSame(receiver.delivered().map((r) => (JSON.parse(r.body) as { data: { id: string } }).data.id), [hosted], 'only the co-hosted event')
  await app.inject({ method: 'DELETE', url: `/v1/webhook-subscriptions/${sub.id}`, headers: admin })
})
