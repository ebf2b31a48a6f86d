// The listening-and-acting loop over REST: topics, feedback through its lifecycle, moderation, decisions and report-backs.
import t from 'tap'
import { sql } from 'drizzle-orm'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const { app, database, fixtures } = await build(t)
const staff = await bearer()
const admin = await bearer({ role: 'admin', sub: 'admin-1' })
const analyst = await bearer({ role: 'analyst', sub: 'analyst-1' })

const inject = (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload: payload as never } : {}) })

const submit = async (payload: Record<string, unknown>, headers: Record<string, string> = {}) => {
  const res = await inject('POST', '/v1/feedback', { agency: 'metro', language: 'en', topic: 'community_safety', ...payload }, headers)
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json()
}

t.test('when the public gives feedback anonymously, then nothing identifies the sender and the lifecycle starts at received', async (t) => {
  const res = await inject('POST', '/v1/feedback', { agency: 'metro', body: 'The streetlights on Elm are out.', language: 'en', topic: 'community_safety', stance: 'critical' }, { 'idempotency-key': 'anon-1', 'user-agent': 'canary-agent/1.0', 'x-forwarded-for': '203.0.113.77' })
  t.equal(res.statusCode, 201, res.body)
  const item = res.json()
  t.equal(item.status, 'received')
  t.equal(item.visibility, 'private')
  t.equal(item.channel, 'online_form')
  t.equal(item.topicVocabularyVersion, 1)
  t.equal(item.participantId, null)
  const replay = await inject('POST', '/v1/feedback', { agency: 'metro', body: 'The streetlights on Elm are out.', language: 'en', topic: 'community_safety', stance: 'critical' }, { 'idempotency-key': 'anon-1' })
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.json().id, item.id)
  const audit = await database.db.execute(sql`select actor_kind, actor_subject, details::text as details from audit_events where entity_id = ${item.id}::uuid`)
  const transitions = await database.db.execute(sql`select actor_kind, actor_subject from feedback_transitions where feedback_id = ${item.id}::uuid`)
  const rows = [...((audit as { rows: unknown[] }).rows ?? audit), ...((transitions as { rows: unknown[] }).rows ?? transitions)] as Record<string, unknown>[]
  t.ok(rows.length >= 2)
  for (const r of rows) {
    t.equal(r.actor_kind, 'public')
    t.equal(r.actor_subject, null)
  }
  const everything = JSON.stringify(await database.db.execute(sql`select row_to_json(a)::text from audit_events a`))
  t.notMatch(everything, /203\.0\.113\.77|canary-agent/, 'no address or user agent stored')
  t.equal((await inject('GET', `/v1/feedback/${item.id}`)).statusCode, 404, 'private feedback is not public')
})

t.test('when a giver asks to be contacted back, then a participant with dated consent is linked, seen only by staff', async (t) => {
  const item = await submit({ body: 'Please call me about the park.', contact: { displayName: 'Ana', email: 'canary-giver@example.org', consentToContact: true } })
  t.equal(item.participantId, null, 'the receipt does not show the link')
  t.notMatch(JSON.stringify(item), /canary-giver/)
  const asStaff = (await inject('GET', `/v1/feedback/${item.id}`, undefined, staff)).json()
  t.ok(asStaff.participantId, 'staff see the link')
  t.equal(asStaff.anonymous, false)
  const participant = await database.db.execute(sql`select contact->>'email' as email, contact_consent_at from participants where id = ${asStaff.participantId}::uuid`)
  const row = ((participant as { rows: Record<string, unknown>[] }).rows ?? participant)[0] as Record<string, unknown>
  t.equal(row.email, 'canary-giver@example.org')
  t.ok(row.contact_consent_at)
  for (const h of [{}, analyst]) t.notMatch((await inject('GET', '/v1/feedback', undefined, h)).body, /canary-giver/)
  const noConsent = await inject('POST', '/v1/feedback', { agency: 'metro', body: 'x', language: 'en', topic: 'other', contact: { email: 'a@b.org', consentToContact: false } })
  t.equal(noConsent.statusCode, 400)
})

t.test('when staff move feedback through its lifecycle, then guarded transitions, milestones and history follow', async (t) => {
  const item = await submit({ body: 'Speeding on 5th', stance: 'critical' })
  const url = `/v1/feedback/${item.id}/transitions`
  const move = (payload: unknown, version: number | string) => inject('POST', url, payload, { ...staff, 'if-match': typeof version === 'number' ? `"${version}"` : version })
  t.equal((await inject('POST', url, { to: 'acknowledged' }, staff)).statusCode, 428)
  t.equal((await move({ to: 'acknowledged' }, 9)).statusCode, 412)
  t.equal((await move({ to: 'declined' }, 1)).statusCode, 400, 'declining needs a reason')
  t.equal((await move({ to: 'referred' }, 1)).statusCode, 400, 'referring needs a referee')
  t.equal((await move({ to: 'received' }, 1)).statusCode, 400)
  t.equal((await move({ to: 'acknowledged', colour: 'x' }, 1)).statusCode, 400)
  const ack = await move({ to: 'acknowledged', note: 'Thanks' }, 1)
  t.equal(ack.statusCode, 200, ack.body)
  t.ok(ack.json().acknowledgedAt)
  const bad = await move({ to: 'acknowledged' }, 2)
  t.equal(bad.statusCode, 409)
  t.equal(bad.json().code, 'INVALID_TRANSITION')
  t.match(bad.json().detail, /under_review, addressed, declined, referred/, 'the allowed moves are named')
  const declined = await move({ to: 'declined', reason: 'Outside our jurisdiction' }, 2)
  t.equal(declined.json().status, 'declined')
  t.equal(declined.json().statusReason, 'Outside our jurisdiction')
  t.ok(declined.json().decidedAt)
  const history = await inject('GET', `/v1/feedback/${item.id}/history`, undefined, staff)
  t.same(history.json().data.map((h: { to: string }) => h.to), ['received', 'acknowledged', 'declined'])
  t.equal(history.json().data[1].actorSubject, 'user-1')
  t.equal((await inject('GET', `/v1/feedback/${item.id}/history`, undefined, analyst)).statusCode, 403)
  t.equal((await inject('GET', `/v1/feedback/${item.id}/history`)).statusCode, 401)
  t.equal((await inject('GET', `/v1/feedback/${item.id}/history`, undefined, await bearer({ agency: 'lakeside' }))).statusCode, 404)
})

t.test('when staff moderate, then the public sees only the redacted published text, and searches only it', async (t) => {
  const item = await submit({ body: 'Call me at 555-201-4477 or write canary@example.org; I live at 12 Main Street. Potholes everywhere.', publish: true })
  t.equal(item.visibility, 'pending_moderation')
  const privateItem = await submit({ body: 'private note' })
  const moderate = (id: string, payload: unknown, version = 1) => inject('POST', `/v1/feedback/${id}/moderation`, payload, { ...staff, 'if-match': `"${version}"` })
  t.equal((await moderate(privateItem.id, { action: 'publish' })).statusCode, 409, 'the giver did not ask')
  const published = await moderate(item.id, { action: 'publish' })
  t.equal(published.statusCode, 200, published.body)
  t.equal(published.json().publishedBody, 'Call me at [phone removed] or write [email removed]; I live at [address removed]. Potholes everywhere.')
  const pub = (await inject('GET', `/v1/feedback/${item.id}`)).json()
  t.equal(pub.body, pub.publishedBody)
  t.equal(pub.organizationId, null)
  t.equal(pub.anonymous, null)
  t.equal((await inject('GET', '/v1/feedback?q=potholes')).json().data.length, 1, 'published words are found')
  t.equal((await inject('GET', '/v1/feedback?q=main')).json().data.length, 0, 'redacted words are not')
  t.equal((await inject('GET', '/v1/feedback?q=main', undefined, analyst)).json().data.length, 0, 'not by analysts either')
  t.equal((await inject('GET', '/v1/feedback?q=main', undefined, staff)).json().data.length, 1, 'staff search the original')
  const edited = await moderate(item.id, { action: 'publish', publishedBody: 'Potholes. Reach me: +1 (555) 201-4477' }, 2)
  t.equal(edited.json().publishedBody, 'Potholes. Reach me: [phone removed]', 'an edited text is redacted again')
  const withheld = await moderate(item.id, { action: 'withhold' }, 3)
  t.equal(withheld.json().visibility, 'withheld')
  t.equal((await inject('GET', `/v1/feedback/${item.id}`)).statusCode, 404)
  t.equal((await moderate(item.id, { action: 'withhold', publishedBody: 'x' }, 4)).statusCode, 400)
})

t.test('when staff re-classify, then retired topics are refused and the vocabulary version is recorded', async (t) => {
  const item = await submit({ body: 'Bike lanes' })
  const added = await inject('POST', '/v1/topics', { code: 'cycling', label: { en: 'Cycling safety' } }, { ...admin, 'idempotency-key': 'topic-1' })
  t.equal(added.statusCode, 201, added.body)
  t.equal(added.json().version, 2, 'adding a topic bumps the vocabulary')
  t.equal((await inject('POST', '/v1/topics', { code: 'cycling', label: { en: 'Cycling' } }, admin)).statusCode, 409)
  t.equal((await inject('POST', '/v1/topics', { code: 'x_y', label: { en: 'X' } }, staff)).statusCode, 403)
  const topics = (await inject('GET', '/v1/topics', undefined, staff)).json()
  t.equal(topics.vocabularyVersion, 2)
  t.ok(topics.data.some((x: { code: string }) => x.code === 'cycling'))
  t.notOk((await inject('GET', '/v1/topics?agency=lakeside')).json().data.some((x: { code: string }) => x.code === 'cycling'), 'another agency does not see it')
  const patched = await inject('PATCH', `/v1/feedback/${item.id}`, { topic: 'cycling', stance: 'supportive', areaId: fixtures.areas.north.id }, { ...staff, 'if-match': '"1"' })
  t.equal(patched.statusCode, 200, patched.body)
  t.equal(patched.json().topic, 'cycling')
  t.equal(patched.json().topicVocabularyVersion, 2)
  const retired = await inject('POST', '/v1/topics/cycling/retire', undefined, admin)
  t.equal(retired.json().retiredInVersion, 3)
  t.equal((await inject('POST', '/v1/topics/cycling/retire', undefined, admin)).statusCode, 409)
  t.equal((await inject('POST', '/v1/topics/policy/retire', undefined, admin)).statusCode, 403, 'the standard vocabulary is shared')
  t.equal((await inject('GET', `/v1/feedback/${item.id}`, undefined, staff)).json().topic, 'cycling', 'old feedback keeps it')
  const refused = await inject('POST', '/v1/feedback', { agency: 'metro', body: 'x', language: 'en', topic: 'cycling' })
  t.equal(refused.statusCode, 400)
  t.match(refused.json().errors, [{ field: 'topic' }])
  t.equal((await inject('PATCH', `/v1/feedback/${item.id}`, { stance: 'neutral' }, { ...staff, 'if-match': '"1"' })).statusCode, 412)
  t.equal((await inject('PATCH', `/v1/feedback/${item.id}`, { status: 'addressed' }, { ...staff, 'if-match': '"2"' })).statusCode, 400, 'status is not classification')
})

t.test('when a decision answers feedback and a report-back relays it, then the feedback is addressed, then reported back', async (t) => {
  const event = (await inject('POST', '/v1/events', eventBody(), staff)).json()
  const a = await submit({ body: 'More patrols near the school', eventId: event.id })
  const b = await submit({ body: 'Crossing guard needed', eventId: event.id })
  const c = await submit({ body: 'Unrelated' })
  const recorded = await inject('POST', '/v1/decisions', {
    title: { en: 'School-zone patrols', es: 'Patrullas escolares' },
    summary: { en: 'Two officers at drop-off.' },
    decidedBy: 'District 1 Commander',
    decidedAt: '2027-03-20T10:00:00-04:00',
    status: 'adopted',
    feedbackIds: [a.id, b.id],
    eventIds: [event.id],
  }, { ...staff, 'idempotency-key': 'dec-1' })
  t.equal(recorded.statusCode, 201, recorded.body)
  const decision = recorded.json()
  t.equal(decision.publication, 'draft')
  t.same(decision.feedbackIds.sort(), [a.id, b.id].sort())
  t.equal((await inject('GET', `/v1/feedback/${a.id}`, undefined, staff)).json().status, 'addressed')
  t.equal((await inject('GET', `/v1/decisions/${decision.id}`)).statusCode, 404, 'drafts are not public')
  const progressed = await inject('POST', `/v1/decisions/${decision.id}/updates`, { status: 'in_progress', on: '2027-04-01', note: { en: 'Started.' } }, { ...staff, 'if-match': '"1"' })
  t.equal(progressed.statusCode, 200, progressed.body)
  t.equal(progressed.json().updates.length, 1)
  t.equal((await inject('POST', `/v1/decisions/${decision.id}/updates`, { status: 'proposed', on: '2027-04-02' }, { ...staff, 'if-match': '"2"' })).statusCode, 409)
  const published = await inject('PATCH', `/v1/decisions/${decision.id}`, { publication: 'published', feedbackIds: [a.id, b.id, c.id] }, { ...staff, 'if-match': '"2"' })
  t.equal(published.statusCode, 200, published.body)
  t.equal((await inject('GET', `/v1/feedback/${c.id}`, undefined, staff)).json().status, 'addressed', 'a newly linked item is addressed')
  const pub = (await inject('GET', `/v1/decisions/${decision.id}`, undefined, { 'accept-language': 'es' })).json()
  t.equal(pub.title, 'Patrullas escolares')
  t.same(pub.feedbackIds, [], 'the public sees no private feedback ids')
  t.equal((await inject('GET', '/v1/decisions?q=patrols')).json().data.length, 1)

  const report = await inject('POST', '/v1/report-backs', { decisionId: decision.id, channel: 'community_meeting', relayedAt: '2027-05-01T19:00:00-04:00', eventId: event.id, languages: ['en', 'es'], audience: ['feedback_givers'], summary: { en: 'We told the meeting.' } }, { ...staff, 'idempotency-key': 'rb-1' })
  t.equal(report.statusCode, 201, report.body)
  t.equal(report.json().feedbackIds.length, 3, 'by default every item the decision answers')
  const after = (await inject('GET', `/v1/feedback/${a.id}`, undefined, staff)).json()
  t.equal(after.status, 'reported_back')
  t.equal(after.reportedBackAt, '2027-05-01T23:00:00.000Z')
  const history = (await inject('GET', `/v1/feedback/${a.id}/history`, undefined, staff)).json().data
  t.same(history.map((h: { to: string }) => h.to), ['received', 'addressed', 'reported_back'])
  t.equal((await inject('GET', `/v1/report-backs?decisionId=${decision.id}`)).json().data.length, 1, 'published report-backs are public')
  t.equal((await inject('POST', '/v1/report-backs', { decisionId: decision.id, channel: 'pigeon', relayedAt: '2027-05-01T19:00:00-04:00' }, staff)).statusCode, 400)
  t.equal((await inject('POST', '/v1/report-backs', { decisionId: '00000000-0000-4000-8000-000000000000', channel: 'website', relayedAt: '2027-05-01T19:00:00-04:00' }, staff)).statusCode, 400)
})
