// Every change to a public or partner-visible resource appends its typed outbox row with the change, and a refused or
// rolled-back change appends none.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'
import { dateAfterNow, secondTuesdayAfterNow } from './helpers/clock.ts'

type Row = { entity_type: string; entity_id: string; action: string; visibility: string; payload: { id: string; version?: number }; tx: string }

t.test('when each write operation runs, then it appends exactly its typed outbox rows in its own transaction', async (t) => {
  const { app, database, fixtures } = await build(t)
  const staff = await bearer()
  const admin = await bearer({ role: 'admin' })
  let seen = 0
  /** The rows appended since the last look, in commit order. */
  const appended = async () => {
    const rows = await database.raw<Row>('select entity_type, entity_id, action, visibility, payload, tx::text as tx from outbox order by tx, id offset $1', [seen])
    seen += rows.length
    return rows
  }
  const send = async (method: string, url: string, payload?: unknown, headers: Record<string, string> = staff) => {
    const res = await app.inject({ method: method as 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as never }) })
    return { status: res.statusCode, body: res.body ? (res.json() as Record<string, any>) : {} }
  }
  const ok = async (method: string, url: string, payload?: unknown, headers: Record<string, string> = staff) => {
    const res = await send(method, url, payload, headers)
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`)
    return res.body
  }
  const at = (version: number, headers = staff) => ({ ...headers, 'if-match': `"${version}"` })
  /** One write's rows: each as [entity type, id, action, visibility, version], all in one transaction. */
  const expectRows = async (what: string, expected: [string, string, string, string, number][]) => {
    const rows = await appended()
    t.same(
      rows.map((r) => [r.entity_type, r.entity_id, r.action, r.visibility, r.payload.version]).sort(),
      [...expected].sort(),
      `${what} appends its rows`,
    )
    t.ok(rows.every((r) => Object.keys(r.payload).sort().join() === 'id,version'), `${what}: the payload is the id and version only`)
    t.ok(new Set(rows.map((r) => r.tx)).size <= 1, `${what}: in one transaction`)
  }
  const refused = async (what: string, method: string, url: string, payload: unknown, headers: Record<string, string>, status: number) => {
    t.equal((await send(method, url, payload, headers)).status, status, `${what} is refused`)
    t.same(await appended(), [], `${what} appends nothing`)
  }

  // Events: a draft is the agency's; once published every change is public.
  const draft = await ok('POST', '/v1/events', eventBody({ draft: true }))
  await expectRows('scheduling a draft', [['event', draft.id, 'event.scheduled', 'agency', 1]])
  await ok('PATCH', `/v1/events/${draft.id}`, { capacity: 30 }, at(1))
  await expectRows('updating a draft', [['event', draft.id, 'event.updated', 'agency', 2]])
  await ok('POST', `/v1/events/${draft.id}/publish`, undefined, at(2))
  await expectRows('publishing', [['event', draft.id, 'event.published', 'public', 3]])
  await ok('POST', `/v1/events/${draft.id}/reschedule`, { startsAt: `${dateAfterNow(97)}T09:00:00-05:00`, endsAt: `${dateAfterNow(97)}T10:00:00-05:00` }, at(3))
  await expectRows('rescheduling', [['event', draft.id, 'event.rescheduled', 'public', 4]])
  await ok('POST', `/v1/events/${draft.id}/postpone`, { reason: 'Storm' }, at(4))
  await expectRows('postponing', [['event', draft.id, 'event.postponed', 'public', 5]])
  await refused('a stale version', 'POST', `/v1/events/${draft.id}/cancel`, {}, at(4), 412)
  await ok('POST', `/v1/events/${draft.id}/cancel`, {}, at(5))
  await expectRows('cancelling', [['event', draft.id, 'event.cancelled', 'public', 6]])
  await refused('a transition from a final status', 'POST', `/v1/events/${draft.id}/postpone`, {}, at(6), 409)

  // Series: the series and each occurrence.
  const series = await ok('POST', '/v1/series', {
    title: { en: 'Listening session' },
    kind: 'listening_session',
    format: 'in_person',
    recurrence: { rule: 'FREQ=MONTHLY;BYDAY=2TU;COUNT=3', start: `${secondTuesdayAfterNow(1)}T18:30`, durationMinutes: 90, exceptions: [] },
    rotation: [{ venue: { name: 'North Library', address: { street: '1 Elm St', locality: 'Metro' } } }],
  })
  const occurrences = (await ok('GET', `/v1/series/${series.id}/occurrences`)).data as { id: string }[]
  t.equal(occurrences.length, 3)
  await expectRows('creating a series', [['series', series.id, 'series.created', 'public', 1], ...occurrences.map((o) => ['event', o.id, 'event.scheduled', 'public', 1] as [string, string, string, string, number])])
  await ok('PATCH', `/v1/series/${series.id}`, { recurrence: { rule: 'FREQ=MONTHLY;BYDAY=2TU;COUNT=2', start: `${secondTuesdayAfterNow(1)}T18:30`, durationMinutes: 90, exceptions: [] } }, at(1))
  await expectRows('shortening a series', [['series', series.id, 'series.updated', 'public', 2], ['event', occurrences[2]!.id, 'event.cancelled', 'public', 2]])
  await ok('POST', `/v1/series/${series.id}/cancel`, {}, at(2))
  await expectRows('cancelling a series', [['series', series.id, 'series.cancelled', 'public', 3], ...occurrences.slice(0, 2).map((o) => ['event', o.id, 'event.cancelled', 'public', 2] as [string, string, string, string, number])])

  // Organizations.
  const org = await ok('POST', '/v1/organizations', { name: 'Eastside Neighbours', kind: 'neighbourhood_association', contact: { email: 'hello@eastside.example.org' } })
  await expectRows('registering an organization', [['organization', org.id, 'organization.registered', 'public', 1]])
  await ok('PATCH', `/v1/organizations/${org.id}`, { partnershipStatus: 'paused' }, at(1))
  await expectRows('pausing a partnership', [['organization', org.id, 'organization.updated', 'public', 2]])

  // Series co-hosts reach each occurrence that follows the series; a partner's proposal is a draft, the agency's.
  const partnerOrg = await ok('POST', '/v1/organizations', { name: 'Westside Youth League', kind: 'youth' })
  await appended()
  const hosted = await ok('POST', '/v1/series', { title: { en: 'Youth forum' }, kind: 'youth_event', format: 'in_person', venue: { name: 'Gym' }, recurrence: { rule: 'FREQ=MONTHLY;COUNT=2', start: `${dateAfterNow(68)}T17:00`, durationMinutes: 60 } })
  const hostedOccurrences = (await ok('GET', `/v1/series/${hosted.id}/occurrences`)).data as { id: string }[]
  await appended()
  await ok('PATCH', `/v1/series/${hosted.id}`, { coHostIds: [partnerOrg.id] }, at(1))
  await expectRows('naming series co-hosts', [['series', hosted.id, 'series.updated', 'public', 2], ...hostedOccurrences.map((o) => ['event', o.id, 'event.updated', 'public', 2] as [string, string, string, string, number])])
  const proposal = await ok('POST', '/v1/events', eventBody(), await bearer({ role: 'partner', sub: 'p-west', claims: { org: partnerOrg.id } }))
  await expectRows('a partner proposing a meeting', [['event', proposal.id, 'event.proposed', 'agency', 1]])

  // Feedback: agency-only until published; a withheld item leaves public sight.
  const item = await ok('POST', '/v1/feedback', { agency: 'metro', body: 'Speeding on Elm St', language: 'en', topic: 'community_safety', publish: true, contact: { email: 'giver@example.org', consentToContact: true } }, {})
  await expectRows('giving feedback', [['feedback', item.id, 'feedback.received', 'agency', 1]])
  await ok('POST', `/v1/feedback/${item.id}/moderation`, { action: 'publish' }, at(1))
  await expectRows('publishing feedback', [['feedback', item.id, 'feedback.published', 'public', 2]])
  await ok('POST', `/v1/feedback/${item.id}/transitions`, { to: 'acknowledged' }, at(2))
  await expectRows('acknowledging feedback', [['feedback', item.id, 'feedback.status_changed', 'public', 3]])
  await ok('PATCH', `/v1/feedback/${item.id}`, { stance: 'critical' }, at(3))
  await expectRows('classifying feedback', [['feedback', item.id, 'feedback.classified', 'public', 4]])
  await refused('a move the lifecycle forbids', 'POST', `/v1/feedback/${item.id}/transitions`, { to: 'received' }, at(4), 400)

  // Decisions: recording one addresses its feedback; publishing and retracting are named.
  const decision = await ok('POST', '/v1/decisions', { title: { en: 'Speed bumps on Elm St' }, feedbackIds: [item.id] })
  await expectRows('recording a decision', [['decision', decision.id, 'decision.recorded', 'agency', 1], ['feedback', item.id, 'feedback.status_changed', 'public', 5]])
  await ok('PATCH', `/v1/decisions/${decision.id}`, { publication: 'published' }, at(1))
  await expectRows('publishing a decision', [['decision', decision.id, 'decision.published', 'public', 2]])
  await ok('POST', `/v1/decisions/${decision.id}/updates`, { status: 'adopted', on: '2026-12-01' }, at(2))
  await expectRows('progressing a decision', [['decision', decision.id, 'decision.progressed', 'public', 3]])
  await ok('PATCH', `/v1/decisions/${decision.id}`, { summary: { en: 'Two bumps.' } }, at(3))
  await expectRows('updating a decision', [['decision', decision.id, 'decision.updated', 'public', 4]])
  await ok('PATCH', `/v1/decisions/${decision.id}`, { publication: 'draft' }, at(4))
  await expectRows('retracting a decision', [['decision', decision.id, 'decision.retracted', 'agency', 5]])

  // Report-backs report their feedback back.
  const report = await ok('POST', '/v1/report-backs', { decisionId: decision.id, channel: 'community_meeting', relayedAt: '2026-12-02T19:00:00Z' })
  await expectRows('recording a report-back', [['report_back', report.id, 'report_back.recorded', 'public', 1], ['feedback', item.id, 'feedback.status_changed', 'public', 6]])

  // Withholding feedback changes what the decisions and report-backs linking it show.
  await ok('POST', `/v1/feedback/${item.id}/moderation`, { action: 'withhold' }, at(6))
  await expectRows('withholding feedback', [
    ['feedback', item.id, 'feedback.withdrawn', 'agency', 7],
    ['decision', decision.id, 'decision.links_changed', 'agency', 5],
    ['report_back', report.id, 'report_back.links_changed', 'public', 1],
  ])

  // Erasing the giver erases the text of what they gave.
  const full = await ok('GET', `/v1/feedback/${item.id}`)
  await ok('POST', `/v1/participants/${full.participantId ?? full.participant?.id}/erase`, undefined, admin)
  await expectRows('erasing the giver', [['feedback', item.id, 'feedback.erased', 'agency', 8]])
  t.ok(fixtures.metro.id)
})

t.test('when a change fails after its outbox row was written, then the row goes with the rolled-back change', async (t) => {
  const { app, database } = await build(t)
  const staff = await bearer()
  const ok = async (method: string, url: string, payload?: unknown, headers: Record<string, string> = staff) => {
    const res = await app.inject({ method: method as 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as never }) })
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.body}`)
    return res.json()
  }
  const item = await ok('POST', '/v1/feedback', { agency: 'metro', body: 'Lights out on Elm St', language: 'en', topic: 'community_safety', publish: true }, {})
  await ok('POST', `/v1/feedback/${item.id}/moderation`, { action: 'publish' }, { ...staff, 'if-match': '"1"' })
  await ok('POST', '/v1/decisions', { title: { en: 'New lamps' }, feedbackIds: [item.id] })
  const count = async () => Number((await database.raw<{ n: number }>('select count(*)::int as n from outbox'))[0]!.n)
  const before = await count()
  // Withholding writes the item's row, then its decision's: the second insert fails, after the first went in.
  await database.raw(`create function fail_links() returns trigger language plpgsql as $$ begin if new.action like '%links_changed' then raise exception 'injected failure'; end if; return new; end $$`)
  await database.raw('create trigger fail_links before insert on outbox for each row execute function fail_links()')
  t.teardown(async () => {
    await database.raw('drop trigger if exists fail_links on outbox')
    await database.raw('drop function if exists fail_links()')
  })
  const failed = await app.inject({ method: 'POST', url: `/v1/feedback/${item.id}/moderation`, headers: { ...staff, 'if-match': '"3"' }, payload: { action: 'withhold' } })
  t.equal(failed.statusCode, 500, 'the change fails')
  t.equal(await count(), before, 'no outbox row is left, not even the one written before the failure')
  const now = await ok('GET', `/v1/feedback/${item.id}`)
  t.same([now.visibility, now.version], ['published', 3], 'and the change itself is undone')
})
