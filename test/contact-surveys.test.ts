// Surveys after police contact on the real app: who may post and change rules, each exclusion rule, the delay and quiet
// hours, opt-outs (by address and by link), the webhook that carries the invitation and its deletion on acknowledgement,
// an anonymous answer with its comment as feedback, the contact feed credential, and bad input answered as problems.
import t from 'tap'
import { Webhook } from 'standardwebhooks'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { TEST_NOW } from './helpers/clock.ts'
import { eventually, startReceiver } from './helpers/webhook-receiver.ts'
import { createAgenciesRepository } from '../src/modules/agencies/agencies-repository.ts'

const NOW = Date.parse(TEST_NOW)
let now = NOW
const clock = { now: () => new Date(now) }
const { app, database, fixtures } = await build(t, { clock, env: { WEBHOOKS_ALLOW_HTTP: 'true', WEBHOOKS_ALLOW_LOOPBACK: 'true' } })
const token = (role: string, agency = 'metro') => bearer({ role, agency, sub: `${role}-1`, now: new Date(now), expiresIn: '60d' })
const [staff, admin, analyst, partner, elsewhere] = [await token('staff'), await token('admin'), await token('analyst'), await bearer({ role: 'partner', sub: 'p', now: new Date(now), expiresIn: '60d' }), await token('staff', 'lakeside')]
const json = (h: Record<string, string>) => ({ ...h, 'content-type': 'application/json' })
const beat = await createAgenciesRepository(database.db).insertArea({ agencyId: fixtures.metro.id, code: 'B11', name: 'Beat 11', kind: 'beat', parentId: fixtures.areas.north.id })
const minutesAgo = (m: number) => new Date(now - m * 60_000).toISOString()
let seq = 0
const contact = (over: Record<string, unknown> = {}) => ({ id: `CAD-${++seq}`, kind: 'report_taken', occurredAt: minutesAgo(30), area: 'B11', channel: 'sms', address: `+1555000${String(seq).padStart(4, '0')}`, language: 'en', ...over })
const post = (contacts: unknown[], headers: Record<string, string> = staff) => app.inject({ method: 'POST', url: '/v1/contact-events', headers: json(headers), payload: { contacts } })

t.test('when someone other than the feed or staff posts contact events, then it is refused; only admins change the rules and analysts only read them', async (t) => {
  t.equal((await post([contact()], {})).statusCode, 401)
  t.equal((await post([contact()], analyst)).statusCode, 403)
  t.equal((await post([contact()], partner)).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: '/v1/contact-survey-rules' })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: '/v1/contact-survey-rules', headers: partner })).statusCode, 403)
  const read = await app.inject({ method: 'GET', url: '/v1/contact-survey-rules', headers: analyst })
  t.equal(read.statusCode, 200)
  t.strictSame(read.json().excludedFlags.sort(), ['arrest', 'death', 'domestic_violence', 'juvenile', 'medical_emergency', 'mental_health_crisis', 'sexual_assault', 'use_of_force'], 'every exclusion on by default')
  t.match(read.json(), { delayMinutes: 120, quietHours: { start: '21:00', end: '08:00' }, oncePerDays: 90, version: 0 })
  for (const h of [staff, analyst]) t.equal((await app.inject({ method: 'PATCH', url: '/v1/contact-survey-rules', headers: json(h), payload: { delayMinutes: 5 } })).statusCode, 403)
  const changed = await app.inject({ method: 'PATCH', url: '/v1/contact-survey-rules', headers: json(admin), payload: { delayMinutes: 60, samplingRates: { traffic_stop: 0.5 } } })
  t.equal(changed.statusCode, 200)
  t.match(changed.json(), { delayMinutes: 60, samplingRates: { traffic_stop: 0.5 }, version: 1 })
  const [audit] = await database.raw<{ details: { before: { delayMinutes: number }; after: { delayMinutes: number } } }>(`select details from audit_events where action = 'contact_survey_rules.changed'`)
  t.match(audit!.details, { before: { delayMinutes: 120 }, after: { delayMinutes: 60 } }, 'audited with what changed')
  const other = await app.inject({ method: 'GET', url: '/v1/contact-survey-rules', headers: elsewhere })
  t.equal(other.json().delayMinutes, 120, "another agency's rules are its own")
  const reset = await app.inject({ method: 'PATCH', url: '/v1/contact-survey-rules', headers: json(admin), payload: { delayMinutes: 120, samplingRates: { traffic_stop: 1 } } })
  t.equal(reset.statusCode, 200)
})

t.test('when rules are bad, then they are refused as problems naming the fields', async (t) => {
  for (const payload of [{ delayMinutes: -1 }, { quietHours: { start: '25:00', end: '08:00' } }, { samplingRates: { traffic_stop: 1.5 } }, { samplingRates: { unknown_kind: 0.5 } }, { excludedFlags: ['sunny'] }, { windowDays: 0 }, { colour: 'red' }]) {
    const res = await app.inject({ method: 'PATCH', url: '/v1/contact-survey-rules', headers: json(admin), payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.equal(res.json().code, 'VALIDATION_FAILED')
  }
})

t.test('when a batch carries each excluded flag, a stale contact and a good one, then only the good one is invited and each other says why', async (t) => {
  const flags = ['arrest', 'domestic_violence', 'sexual_assault', 'death', 'juvenile', 'medical_emergency', 'mental_health_crisis', 'use_of_force']
  const items = [...flags.map((f) => contact({ flags: [f] })), contact({ occurredAt: minutesAgo(73 * 60) }), contact()]
  const res = await post(items)
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.match(body, { received: 10, invited: 1, excluded: 9, duplicates: 0, rejected: 0 })
  t.strictSame(body.results.slice(0, 8).map((r: { reason: string }) => r.reason), flags)
  t.equal(body.results[8].reason, 'too_old')
  t.equal(body.results[9].status, 'invited')
  t.equal(body.results[9].id, items[9]!.id)
  t.notOk('invitationId' in body.results[9], 'the feed gets no handle on the invitation')
  const again = (await post(items)).json()
  t.match(again, { invited: 0, duplicates: 10 }, 'a re-sent batch changes nothing')
  const [{ n }] = await database.raw<{ n: number }>(`select count(*)::int as n from contact_invitations`)
  t.equal(n, 1)
})

t.test('when a flag is switched off, then contacts with it are invited; when the delay ends in quiet hours, the send-after moves to their end', async (t) => {
  await app.inject({ method: 'PATCH', url: '/v1/contact-survey-rules', headers: json(admin), payload: { excludedFlags: ['arrest', 'domestic_violence', 'sexual_assault', 'death', 'medical_emergency'] } })
  const juvenile = (await post([contact({ flags: ['juvenile'] })])).json()
  t.equal(juvenile.results[0].status, 'invited', 'juvenile contacts surveyed once the agency turns that rule off')
  await app.inject({ method: 'PATCH', url: '/v1/contact-survey-rules', headers: json(admin), payload: { excludedFlags: ['arrest', 'domestic_violence', 'sexual_assault', 'death', 'juvenile', 'medical_emergency', 'mental_health_crisis', 'use_of_force'] } })
  // TEST_NOW is 10:00 in New York: a contact at 08:30 + 2 h is 10:30 (outside quiet hours); one at 19:30 yesterday + 2 h is 21:30 (quiet).
  const day = (at: string) => new Date(`${TEST_NOW.slice(0, 10)}T${at}-05:00`)
  const morning = (await post([contact({ occurredAt: day('08:30:00').toISOString() })])).json()
  t.equal(morning.results[0].sendAfter, day('10:30:00').toISOString(), 'the delay after the contact')
  now = day('20:00:00').getTime()
  const evening = (await post([contact({ occurredAt: day('19:30:00').toISOString() })])).json()
  t.equal(evening.results[0].sendAfter, new Date(day('08:00:00').getTime() + 86_400_000).toISOString(), 'quiet hours: sent at 08:00 local the next morning')
  now = NOW
})

t.test('when one person is contacted twice, then they are invited once per period, in one batch or across batches', async (t) => {
  const same = { address: '+15559990001' }
  const res = (await post([contact({ ...same, occurredAt: minutesAgo(20) }), contact({ ...same, occurredAt: minutesAgo(40) })])).json()
  t.strictSame(res.results.map((r: { status: string }) => r.status), ['excluded', 'invited'], 'the earlier contact is the one asked about')
  t.equal(res.results[0].reason, 'recently_invited')
  const later = (await post([contact({ address: '+1 (555) 999-0001' })])).json()
  t.equal(later.results[0].reason, 'recently_invited', 'the normalized number is the same person')
  const email = (await post([contact({ channel: 'email', address: 'Someone@Example.org ' }), contact({ channel: 'email', address: 'someone@example.org' })])).json()
  t.strictSame(email.results.map((r: { status: string }) => r.status), ['invited', 'excluded'])
})

t.test('when a person opts out (by phone, by email or through the link), then they are never invited again and the answer says nothing about them', async (t) => {
  const optOut = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/contact-survey-opt-outs', headers: { 'content-type': 'application/json' }, payload })
  const first = await optOut({ agency: 'metro', phone: '+1 555 777 0001' })
  t.equal(first.statusCode, 202)
  t.strictSame(first.json(), { optedOut: true })
  t.strictSame((await optOut({ agency: 'metro', phone: '+15557770001' })).json(), { optedOut: true }, 'again: the same answer')
  t.equal((await optOut({ agency: 'metro', email: 'Quiet@Example.org' })).statusCode, 202)
  const res = (await post([contact({ address: '+15557770001' }), contact({ channel: 'email', address: 'quiet@example.org' })])).json()
  t.strictSame(res.results.map((r: { reason: string }) => r.reason), ['opted_out', 'opted_out'])
  for (const payload of [{ agency: 'metro' }, { agency: 'metro', phone: '+15557770001', email: 'a@b.org' }, { agency: 'metro', phone: '555' }, { agency: 'metro', email: 'not-an-email' }, { agency: 'nowhere', phone: '+15557770001' }, { agency: 'metro', phone: '+1555\u00007770001' }]) {
    const bad = await optOut(payload)
    t.equal(bad.statusCode, 400, JSON.stringify(payload))
    t.match(bad.headers['content-type'], /^application\/problem\+json/)
  }
  const dump = JSON.stringify(await database.raw(`select * from contact_opt_outs`))
  t.notMatch(dump, /5557770001|quiet@example/i, 'the list holds keyed hashes only')
})

t.test('when bad contact events come, then each is reported as a problem and the good ones go on; a bad batch is one problem', async (t) => {
  const good = contact()
  const items = [
    good,
    contact({ address: '555-1234' }),
    contact({ channel: 'email', address: 'nobody' }),
    contact({ area: 'NOPE' }),
    contact({ area: fixtures.areas.lakeArea.id }),
    contact({ kind: 'alien_abduction' }),
    contact({ occurredAt: new Date(now + 3_600_000).toISOString() }),
    contact({ occurredAt: `${TEST_NOW.slice(0, 4)}-02-30T10:00:00Z` }), // no such day, in any year
    contact({ id: good.id }),
    contact({ name: 'Jane Doe' }),
    'not an object',
    null,
  ]
  const res = await post(items)
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.match(body, { received: 12, invited: 1, rejected: 11 })
  t.equal(body.results[0].status, 'invited')
  for (const r of body.results.slice(1)) {
    t.equal(r.status, 'rejected')
    t.match(r.problem, { status: 400, code: 'VALIDATION_FAILED', title: String, detail: String })
    t.ok(r.problem.errors.length >= 1)
  }
  t.match(body.results[3].problem.errors[0], { field: 'contacts.3.area' })
  t.match(body.results[8].problem.errors[0], { field: 'contacts.8.id', message: /more than once/ })
  t.match(body.results[9].problem.errors[0], { field: 'contacts.9.name', message: 'is not a known field' })
  t.equal(body.results[10].id, null)
  const nul = await post([contact(), contact({ address: '+1555\u00000001' })])
  t.equal(nul.statusCode, 400, 'a NUL anywhere refuses the whole batch (the text guard every door has), before anything is written')
  t.match(nul.json().errors[0], { field: 'contacts.1.address' })
  for (const payload of [{ contacts: [] }, { contacts: Array.from({ length: 501 }, () => contact()) }, { contacts: 'x' }, {}, [], { contacts: [contact()], extra: 1 }]) {
    const bad = await app.inject({ method: 'POST', url: '/v1/contact-events', headers: json(staff), payload })
    t.equal(bad.statusCode, 400, JSON.stringify(payload).slice(0, 60))
    t.match(bad.headers['content-type'], /^application\/problem\+json/)
  }
  const huge = await app.inject({ method: 'POST', url: '/v1/contact-events', headers: json(staff), payload: JSON.stringify({ contacts: [contact({ address: 'x'.repeat(2_000_000) })] }) })
  t.equal(huge.statusCode, 413)
  const malformed = await app.inject({ method: 'POST', url: '/v1/contact-events', headers: json(staff), payload: '{"contacts": [' })
  t.equal(malformed.statusCode, 400)
})

t.test('when an invitation is delivered by webhook, then it carries what the messaging system needs, and its address and link are deleted on acknowledgement', async (t) => {
  const receiver = await startReceiver(t)
  const sub = await app.inject({ method: 'POST', url: '/v1/webhook-subscriptions', headers: json(admin), payload: { url: receiver.url, eventTypes: ['contact_invitation.issued'] } })
  t.equal(sub.statusCode, 201)
  const { id: subId, secret } = sub.json()
  const address = '+15553334444'
  const issued = (await post([contact({ id: 'CAD-WEBHOOK-1', kind: 'traffic_stop', address, language: 'es' })])).json()
  t.equal(issued.invited, 1)
  // The dispatcher reads only below the oldest running transaction (other test files share a PostgreSQL cluster): retry.
  // Invitations issued by earlier tests may reach the new subscription first (the dispatcher may not have passed them yet).
  const ours = () => receiver.delivered().find((d) => d.body.includes(address))
  t.ok(await eventually(async () => (await app.services.webhookDelivery.dispatch(), await app.services.webhookDelivery.sendFor(subId), ours() !== undefined)))
  const hit = ours()!
  const message = new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>) as { type: string; data: { invitation: Record<string, string> } }
  t.equal(message.type, 'contact_invitation.issued')
  t.match(message.data.invitation, { channel: 'sms', address, language: 'es', link: /^http:\/\/api\.example\.test\/contact-survey#token=[A-Za-z0-9_-]{43}$/, sendAfter: issued.results[0].sendAfter })
  t.notMatch(hit.body, /CAD-WEBHOOK-1|traffic_stop|B11/, 'the message names neither the contact, nor its kind or beat')
  const dump = JSON.stringify(await database.raw(`select * from contact_invitations`)) + JSON.stringify(await database.raw(`select * from webhook_deliveries`))
  t.notMatch(dump, new RegExp(address.slice(1)), 'delivered: the address is gone, and no delivery row ever held it')
  t.notMatch(dump, new RegExp(message.data.invitation.link!.split('=')[1]!), 'and the link with it')
  await app.inject({ method: 'DELETE', url: `/v1/webhook-subscriptions/${subId}`, headers: admin })

  const tokenOf = (link: string) => link.split('#token=')[1]!
  const answer = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/contact-survey-responses', headers: { 'content-type': 'application/json' }, payload })
  t.equal((await answer({ token: tokenOf(message.data.invitation.link!), dignity: 9 })).statusCode, 400)
  t.equal((await answer({ token: tokenOf(message.data.invitation.link!) })).statusCode, 400, 'at least one score')
  t.equal((await answer({ token: 'x'.repeat(43), trust: 3 })).statusCode, 403)
  t.equal((await answer({ token: 'a\u0000b', trust: 3 })).statusCode, 400)
  const answered = await answer({ token: tokenOf(message.data.invitation.link!), dignity: 4, voice: 2, neutrality: 3, trust: 2, comment: 'The officer explained the stop clearly.', language: 'es' })
  t.equal(answered.statusCode, 201)
  t.match(answered.json(), { contactKind: 'traffic_stop', areaId: beat.id, trust: 2, comment: true, week: /^\d{4}-\d{2}-\d{2}$/ })
  t.notOk('id' in answered.json())
  t.equal((await answer({ token: tokenOf(message.data.invitation.link!), trust: 5 })).statusCode, 403, 'one answer per invitation: a used link is gone, like one never issued')
  const [response] = await database.raw<{ created_at: Date; contact_kind: string; area_id: string }>(`select created_at, contact_kind, area_id from survey_responses where contact_kind is not null`)
  t.equal(new Date(response!.created_at).getUTCDay(), 1, 'dated to the start of its week (Monday)')
  t.equal(new Date(response!.created_at).toISOString().slice(11), '00:00:00.000Z')
  const feedback = await app.inject({ method: 'GET', url: '/v1/feedback?channel=survey', headers: staff })
  const item = feedback.json().data.find((f: { body: string }) => f.body === 'The officer explained the stop clearly.')
  t.match(item, { areaId: beat.id, channel: 'survey', visibility: 'private', participantId: null })
  t.match(item.receivedAt, /T00:00:00(\.000)?Z$/, 'the comment is dated to its day')
  t.equal((await database.raw(`select 1 from contact_survey_tokens`)).length >= 0, true)
})

t.test('when two subscriptions take invitations, then both get the link, and the address is deleted only once the last one acknowledges it', async (t) => {
  const [first, second] = [await startReceiver(t), await startReceiver(t)]
  const subscribe = async (url: string) => (await app.inject({ method: 'POST', url: '/v1/webhook-subscriptions', headers: json(admin), payload: { url, eventTypes: ['contact_invitation.issued'] } })).json() as { id: string; secret: string }
  const [a, b] = [await subscribe(first.url), await subscribe(second.url)]
  const address = '+15553337777'
  t.equal((await post([contact({ id: 'CAD-TWO-SUBS', address })])).json().invited, 1)
  const stored = async () => (await database.raw(`select 1 from contact_invitations where address = $1`, [address])).length
  const linkOf = (receiver: typeof first, secret: string) => {
    const hit = receiver.delivered().find((d) => d.body.includes(address))!
    return (new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>) as { data: { invitation: { link: string } | null } }).data.invitation?.link
  }
  const got = (receiver: typeof first) => receiver.delivered().some((d) => d.body.includes(address))
  t.ok(await eventually(async () => (await app.services.webhookDelivery.dispatch(), await app.services.webhookDelivery.sendFor(a.id), got(first))))
  t.match(linkOf(first, a.secret), /#token=/, 'the first subscription gets the link')
  t.equal(await stored(), 1, 'the second still owes it, so the address is kept')
  t.ok(await eventually(async () => (await app.services.webhookDelivery.sendFor(b.id), got(second))))
  t.equal(linkOf(second, b.secret), linkOf(first, a.secret), 'the second gets the same link')
  t.equal(await stored(), 0, 'both acknowledged: the address and link are gone')
  for (const sub of [a, b]) await app.inject({ method: 'DELETE', url: `/v1/webhook-subscriptions/${sub.id}`, headers: admin })
})

t.test('when the person opts out through the link, then the link stops working and later contacts are not invited', async (t) => {
  const address = 'linked@example.org'
  await post([contact({ channel: 'email', address })])
  const [invitation] = await database.raw<{ token: string }>(`select token from contact_invitations where address = $1`, [address])
  const res = await app.inject({ method: 'POST', url: '/v1/contact-survey-responses/opt-out', headers: { 'content-type': 'application/json' }, payload: { token: invitation!.token } })
  t.equal(res.statusCode, 202)
  const answer = await app.inject({ method: 'POST', url: '/v1/contact-survey-responses', headers: { 'content-type': 'application/json' }, payload: { token: invitation!.token, trust: 4 } })
  t.equal(answer.statusCode, 403, 'the link no longer answers')
  await app.inject({ method: 'PATCH', url: '/v1/contact-survey-rules', headers: json(admin), payload: { oncePerDays: 0 } })
  t.equal((await post([contact({ channel: 'email', address })])).json().results[0].reason, 'opted_out')
  await app.inject({ method: 'PATCH', url: '/v1/contact-survey-rules', headers: json(admin), payload: { oncePerDays: 90 } })
  const bad = await app.inject({ method: 'POST', url: '/v1/contact-survey-responses/opt-out', headers: { 'content-type': 'application/json' }, payload: { token: 'nope' } })
  t.equal(bad.statusCode, 403)
})

t.test('when an admin issues a contact feed credential, then its token posts contact events and nothing else of staff', async (t) => {
  t.equal((await app.inject({ method: 'POST', url: '/v1/contact-feed-clients', headers: json(staff), payload: { name: 'CAD' } })).statusCode, 403)
  const issued = await app.inject({ method: 'POST', url: '/v1/contact-feed-clients', headers: json(admin), payload: { name: 'Metro CAD export' } })
  t.equal(issued.statusCode, 201)
  const { clientId, clientSecret, id } = issued.json()
  const list = await app.inject({ method: 'GET', url: '/v1/contact-feed-clients', headers: admin })
  t.match(list.json().data, [{ id, clientId, name: 'Metro CAD export', revokedAt: null }])
  t.notOk('clientSecret' in list.json().data[0])
  const grant = await app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}` })
  t.equal(grant.statusCode, 200)
  const feed = { authorization: `Bearer ${grant.json().access_token}` }
  const posted = await post([contact()], feed)
  t.equal(posted.statusCode, 200)
  t.equal(posted.json().invited, 1)
  t.equal((await app.inject({ method: 'GET', url: '/v1/contact-survey-rules', headers: feed })).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: '/v1/participants', headers: feed })).statusCode, 403)
  const asPublic = await app.inject({ method: 'GET', url: '/v1/feedback' })
  t.strictSame((await app.inject({ method: 'GET', url: '/v1/feedback', headers: feed })).json().data, asPublic.json().data, "otherwise it reaches only what the public does")
  t.equal((await app.inject({ method: 'POST', url: `/v1/api-clients/${id}/revoke`, headers: json(admin), payload: {} })).statusCode, 200)
  t.equal((await post([contact()], feed)).statusCode, 401, 'revoked: its tokens stop working at once')
})

t.test('when the window closes, then the sweep deletes every undelivered invitation and unanswered token', async (t) => {
  const before = await database.raw<{ n: number }>(`select count(*)::int as n from contact_invitations`)
  t.ok(before[0]!.n > 0)
  const keys = async () => (await database.raw(`select 1 from contact_events`)).length
  const received = await keys()
  now = NOW + 2 * 86_400_000
  await app.services.scheduledTimes.runOnce()
  t.equal(await keys(), received, 'two days on, a re-sent event is still known as one (its contact could still be invited)')
  now = NOW + 30 * 86_400_000
  await app.services.scheduledTimes.runOnce()
  for (const table of ['contact_invitations', 'contact_survey_tokens']) t.equal((await database.raw(`select 1 from ${table}`)).length, 0, `${table} empty`)
  t.equal((await database.raw(`select 1 from contact_events`)).length, 0, 'received-event keys are gone a day after their contacts are too old (72 h)')
  t.ok((await database.raw(`select 1 from contact_person_invitations`)).length > 0, 'the once-per-period hashes stay for the period (90 days)')
  now = NOW + 91 * 86_400_000
  await app.services.scheduledTimes.runOnce()
  t.equal((await database.raw(`select 1 from contact_person_invitations`)).length, 0, 'and go once it has passed')
  t.ok((await database.raw(`select 1 from contact_opt_outs`)).length > 0, 'opt-outs stay forever')
  t.equal((await database.raw(`select 1 from contact_events`)).length, 0, 'received-event keys go once their contacts are too old to invite')
  now = NOW
})

t.test('when the rules and answers go through GraphQL, then the same rules hold and bad input is an error with a code', async (t) => {
  const gql = async (query: string, variables: Record<string, unknown>, headers: Record<string, string>) => (await app.inject({ method: 'POST', url: '/graphql', headers: json(headers), payload: { query, variables } })).json()
  const read = await gql('{ contactSurveyRules { delayMinutes quietHours { start end } samplingRates { kind rate } excludedFlags version } }', {}, analyst)
  t.same(read.errors, undefined)
  t.ok(read.data.contactSurveyRules.excludedFlags.includes('DOMESTIC_VIOLENCE'))
  const change = 'mutation ($input: ContactSurveyRulesInput!) { changeContactSurveyRules(input: $input) { delayMinutes samplingRates { kind rate } version } }'
  const changed = await gql(change, { input: { delayMinutes: 90, samplingRates: [{ kind: 'VICTIM_FOLLOW_UP', rate: 0.25 }] } }, admin)
  t.same(changed.errors, undefined)
  t.match(changed.data.changeContactSurveyRules, { delayMinutes: 90 })
  t.ok(changed.data.changeContactSurveyRules.samplingRates.some((r: { kind: string; rate: number }) => r.kind === 'VICTIM_FOLLOW_UP' && r.rate === 0.25))
  t.equal((await gql(change, { input: { delayMinutes: 5 } }, staff)).errors[0].extensions.code, 'FORBIDDEN')
  t.equal((await gql(change, { input: { delayMinutes: -5 } }, admin)).errors[0].extensions.code, 'VALIDATION_FAILED')
  t.equal((await gql(change, { input: { quietHours: { start: '7pm', end: '08:00' } } }, admin)).errors[0].extensions.code, 'VALIDATION_FAILED')
  t.equal((await gql('{ contactSurveyRules { version } }', {}, partner)).errors[0].extensions.code, 'FORBIDDEN')
  // Back to everyone sampled: the keyed hash's key is this database's own, so a draw differs from run to run.
  await gql(change, { input: { delayMinutes: 120, samplingRates: [{ kind: 'VICTIM_FOLLOW_UP', rate: 1 }] } }, admin)
  const answer = 'mutation ($input: ContactSurveyAnswerInput!) { answerContactSurvey(input: $input) { contactKind areaId week trust comment } }'
  t.equal((await post([contact({ kind: 'victim_follow_up', address: '+15554440001' })])).json().results[0].status, 'invited')
  // The invitation's link token, as the agency's messaging system gets it by webhook.
  const [row] = await database.raw<{ token: string }>(`select token from contact_invitations where address = '+15554440001'`)
  t.equal((await gql(answer, { input: { token: row!.token, trust: 6 } }, {})).errors[0].extensions.code, 'VALIDATION_FAILED')
  t.equal((await gql(answer, { input: { token: 'a\u0000b', trust: 3 } }, {})).errors[0].extensions.code, 'VALIDATION_FAILED')
  t.equal((await gql(answer, { input: { token: 'x'.repeat(43), trust: 3 } }, {})).errors[0].extensions.code, 'SURVEY_TOKEN_INVALID')
  const ok = await gql(answer, { input: { token: row!.token, trust: 4 } }, {})
  t.same(ok.errors, undefined)
  t.match(ok.data.answerContactSurvey, { trust: 4, comment: false, areaId: beat.id })
})

t.test('when a contact feed credential is revoked through GraphQL, then it answers with no organization', async (t) => {
  const { id } = (await app.inject({ method: 'POST', url: '/v1/contact-feed-clients', headers: json(admin), payload: { name: 'RMS nightly' } })).json()
  const res = (await app.inject({ method: 'POST', url: '/graphql', headers: json(admin), payload: { query: `mutation { revokeApiClient(id: "${id}") { id organizationId revokedAt } }` } })).json()
  t.same(res.errors, undefined)
  t.match(res.data.revokeApiClient, { id, organizationId: null, revokedAt: String })
})

t.test('when two batches name one person at the same moment, then only one invitation is issued', async (t) => {
  const address = '+15556660001'
  const [a, b] = await Promise.all([post([contact({ address })]), post([contact({ address })])])
  const statuses = [a.json().results[0], b.json().results[0]].map((r: { status: string; reason?: string }) => r.reason ?? r.status).sort()
  t.strictSame(statuses, ['invited', 'recently_invited'])
  const [{ n }] = await database.raw<{ n: number }>(`select count(*)::int as n from contact_person_invitations`)
  t.ok(n >= 1)
})

t.test('when a link is answered twice at once, or after its window closed but before the sweep, then one answer is kept and the rest are refused alike', async (t) => {
  await post([contact({ address: '+15556670001' })])
  const [row] = await database.raw<{ token: string }>(`select token from contact_invitations where address = '+15556670001'`)
  const answer = () => app.inject({ method: 'POST', url: '/v1/contact-survey-responses', headers: { 'content-type': 'application/json' }, payload: { token: row!.token, trust: 2 } })
  const [a, b] = await Promise.all([answer(), answer()])
  t.strictSame([a.statusCode, b.statusCode].sort(), [201, 403])
  await post([contact({ address: '+15556670002' })])
  const [late] = await database.raw<{ token: string }>(`select token from contact_invitations where address = '+15556670002'`)
  now = NOW + 10 * 86_400_000
  const closed = await app.inject({ method: 'POST', url: '/v1/contact-survey-responses', headers: { 'content-type': 'application/json' }, payload: { token: late!.token, trust: 2 } })
  t.equal(closed.statusCode, 403)
  t.equal(closed.json().code, 'SURVEY_TOKEN_INVALID')
  now = NOW
})
