// Participants: staff record people, read contacts only for a stated purpose (each read audited), and admins erase them.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { testClock } from './helpers/clock.ts'

const { app, database, fixtures } = await build(t)
const staff = await bearer()
const admin = await bearer({ role: 'admin', sub: 'admin-1' })
const analyst = await bearer({ role: 'analyst', sub: 'analyst-1' })

const person = (overrides: Record<string, unknown> = {}) => ({
  displayName: 'Mai Nguyen',
  contact: { email: 'mai@example.org', phone: '+1 555 0111' },
  preferredLanguage: 'vi',
  consents: { contact: true, dataUse: true },
  areaId: fixtures.areas.north.id,
  affiliation: 'Tenants union',
  ...overrides,
})
const create = async (body: Record<string, unknown> = person(), headers = staff) => {
  const res = await app.inject({ method: 'POST', url: '/v1/participants', headers, payload: body })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json()
}
const contactReads = async (id: string) =>
  database.raw<{ details: { purpose: string; fields: string[] }; actor_subject: string }>(`select details, actor_subject from audit_events where action = 'participant.contact_read' and entity_id = $1`, [id])

t.test('when staff record a participant, then the contact is kept but not shown without a purpose', async (t) => {
  const p = await create()
  t.equal(p.displayName, 'Mai Nguyen')
  t.same(p.contact, { visibility: 'purpose_required', email: null, phone: null })
  t.ok(p.consents.contact.givenAt)
  const read = await app.inject({ method: 'GET', url: `/v1/participants/${p.id}`, headers: staff })
  t.equal(read.statusCode, 200)
  t.equal(read.headers.etag, '"1"')
  t.same(read.json().contact, { visibility: 'purpose_required', email: null, phone: null })
  t.same(await contactReads(p.id), [], 'no read was audited, since nothing was shown')
})

t.test('when staff state a purpose, then the contact is shown and the read is audited with who and why', async (t) => {
  const p = await create()
  const read = await app.inject({ method: 'GET', url: `/v1/participants/${p.id}?purpose=event_logistics`, headers: staff })
  t.same(read.json().contact, { visibility: 'shown', email: 'mai@example.org', phone: '+1 555 0111' })
  const byHeader = await app.inject({ method: 'GET', url: `/v1/participants/${p.id}`, headers: { ...staff, 'x-purpose': 'safeguarding' } })
  t.equal(byHeader.json().contact.email, 'mai@example.org')
  const rows = await contactReads(p.id)
  t.same(rows.map((r) => r.details), [{ purpose: 'event_logistics', fields: ['email', 'phone'] }, { purpose: 'safeguarding', fields: ['email', 'phone'] }])
  t.equal(rows[0]!.actor_subject, 'user-1')
  const bad = await app.inject({ method: 'GET', url: `/v1/participants/${p.id}?purpose=curiosity`, headers: staff })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().code, 'VALIDATION_FAILED')
  const other = await app.inject({ method: 'GET', url: `/v1/participants/${p.id}?purpose=report_back&x=1`, headers: staff })
  t.equal(other.statusCode, 400)
})

t.test('when a list is read with a purpose, then one audit row is written per participant on the page', async (t) => {
  const a = await create(person({ displayName: 'List A', preferredLanguage: 'so' }))
  const b = await create(person({ displayName: 'List B', preferredLanguage: 'so', contact: undefined, consents: { contact: false, dataUse: true } }))
  const res = await app.inject({ method: 'GET', url: '/v1/participants?language=so&purpose=report_back', headers: staff })
  t.equal(res.statusCode, 200)
  t.same(res.json().data.map((p: { id: string }) => p.id), [a.id, b.id])
  t.equal((await contactReads(a.id)).length, 1)
  t.same((await contactReads(b.id)).map((r) => r.details.fields), [[]], 'a read of someone with no contact names no fields')
  const consenting = await app.inject({ method: 'GET', url: '/v1/participants?language=so&consent=contact', headers: staff })
  t.same(consenting.json().data.map((p: { id: string }) => p.id), [a.id])
})

t.test('when someone other than staff asks, then the public must sign in, analysts see nobody, other agencies see nothing', async (t) => {
  const p = await create()
  t.equal((await app.inject({ method: 'GET', url: `/v1/participants/${p.id}` })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: `/v1/participants/${p.id}`, headers: analyst })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/v1/participants', headers: analyst })).statusCode, 403)
  const elsewhere = await bearer({ agency: 'lakeside' })
  t.equal((await app.inject({ method: 'GET', url: `/v1/participants/${p.id}?purpose=report_back`, headers: elsewhere })).statusCode, 404)
})

t.test('when a contact is given without consent, then it is refused; withdrawing consent drops the contact', async (t) => {
  const refused = await app.inject({ method: 'POST', url: '/v1/participants', headers: staff, payload: person({ consents: { contact: false } }) })
  t.equal(refused.statusCode, 400)
  t.match(refused.json().errors, [{ field: 'consents.contact' }])
  const p = await create()
  const noMatch = await app.inject({ method: 'POST', url: `/v1/participants/${p.id}/withdraw-consent`, headers: staff, payload: { contact: true } })
  t.equal(noMatch.statusCode, 428)
  const withdrawn = await app.inject({ method: 'POST', url: `/v1/participants/${p.id}/withdraw-consent`, headers: { ...staff, 'if-match': '"1"' }, payload: { contact: true } })
  t.equal(withdrawn.statusCode, 200, withdrawn.body)
  t.ok(withdrawn.json().consents.contact.withdrawnAt)
  const read = await app.inject({ method: 'GET', url: `/v1/participants/${p.id}?purpose=report_back`, headers: staff })
  t.same(read.json().contact, { visibility: 'shown', email: null, phone: null }, 'the contact is gone')
  const [row] = await database.raw<{ contact: unknown }>('select contact from participants where id = $1', [p.id])
  t.equal(row!.contact, null)
})

t.test('when staff update a participant, then If-Match guards it and unknown fields are refused', async (t) => {
  const p = await create()
  const url = `/v1/participants/${p.id}`
  t.equal((await app.inject({ method: 'PATCH', url, headers: { ...staff, 'if-match': '"9"' }, payload: { displayName: 'X' } })).statusCode, 412)
  t.equal((await app.inject({ method: 'PATCH', url, headers: { ...staff, 'if-match': '"1"' }, payload: { nickname: 'X' } })).statusCode, 400)
  const ok = await app.inject({ method: 'PATCH', url, headers: { ...staff, 'if-match': '"1"' }, payload: { displayName: 'Mai N.', areaId: null } })
  t.equal(ok.statusCode, 200)
  t.equal(ok.json().displayName, 'Mai N.')
  t.equal(ok.headers.etag, '"2"')
  const [audit] = await database.raw<{ details: unknown }>(`select details from audit_events where action = 'participant.updated' and entity_id = $1`, [p.id])
  t.same(audit!.details, { fields: ['displayName', 'areaId'], version: 2 }, 'field names, not values')
})

t.test('when demographics are recorded, then they are stored apart and no response ever carries them', async (t) => {
  const p = await create()
  const url = `/v1/participants/${p.id}/demographics`
  const put = await app.inject({ method: 'PUT', url, headers: staff, payload: { ageBand: 'age_25_34', gender: 'prefer_not_to_say', raceEthnicity: ['asian'] } })
  t.equal(put.statusCode, 204)
  t.equal(put.body, '')
  t.equal((await app.inject({ method: 'PUT', url, headers: staff, payload: { ageBand: 'ancient' } })).statusCode, 400)
  t.equal((await app.inject({ method: 'PUT', url, headers: analyst, payload: {} })).statusCode, 403)
  const [row] = await database.raw<{ age_band: string; gender: string }>('select age_band, gender from participant_demographics where participant_id = $1', [p.id])
  t.same(row, { age_band: 'age_25_34', gender: 'prefer_not_to_say' })
  const read = await app.inject({ method: 'GET', url: `/v1/participants/${p.id}?purpose=data_subject_request`, headers: admin })
  t.notMatch(read.body, /age_25_34|asian/)
})

t.test('when a partner records participants, then they are linked to its organization and only those are visible to it', async (t) => {
  const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Eastside', kind: 'faith' } })).json()
  const partner = await bearer({ role: 'partner', sub: 'p1', claims: { org: org.id } })
  const mine = await create(person({ displayName: 'Partner Person' }), partner)
  t.equal(mine.organizationId, org.id)
  t.equal(mine.contact.visibility, 'not_permitted')
  const theirs = await create()
  t.equal((await app.inject({ method: 'GET', url: `/v1/participants/${theirs.id}`, headers: partner })).statusCode, 404)
  const read = await app.inject({ method: 'GET', url: `/v1/participants/${mine.id}?purpose=report_back`, headers: partner })
  t.equal(read.statusCode, 200)
  t.same(read.json().contact, { visibility: 'not_permitted', email: null, phone: null })
  const list = await app.inject({ method: 'GET', url: '/v1/participants', headers: partner })
  t.same(list.json().data.map((p: { id: string }) => p.id), [mine.id])
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/participants/${mine.id}`, headers: { ...partner, 'if-match': '*' }, payload: { displayName: 'X' } })).statusCode, 403)
})

t.test('when sync asks for changes since a time, then erased participants come back as tombstones', async (t) => {
  const since = new Date(testClock.now().getTime() - 1000).toISOString()
  const p = await create()
  const erased = await app.inject({ method: 'POST', url: `/v1/participants/${p.id}/erase`, headers: admin })
  t.equal(erased.statusCode, 200, erased.body)
  t.ok(erased.json().erasedAt)
  t.equal(erased.json().displayName, null)
  const again = await app.inject({ method: 'POST', url: `/v1/participants/${p.id}/erase`, headers: admin })
  t.equal(again.statusCode, 200, 'erasing twice is fine')
  t.equal(again.json().erasedAt, erased.json().erasedAt)
  t.equal((await app.inject({ method: 'POST', url: `/v1/participants/${p.id}/erase`, headers: staff })).statusCode, 403, 'staff may not erase')
  const list = await app.inject({ method: 'GET', url: '/v1/participants', headers: staff })
  t.notOk(list.json().data.some((x: { id: string }) => x.id === p.id), 'not in the ordinary list')
  const sync = await app.inject({ method: 'GET', url: `/v1/participants?updatedSince=${encodeURIComponent(since)}`, headers: staff })
  const tomb = sync.json().data.find((x: { id: string }) => x.id === p.id)
  t.ok(tomb?.deletedAt, 'a tombstone in the sync list')
  t.equal(tomb.contact.visibility, 'erased')
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/participants/${p.id}`, headers: { ...staff, 'if-match': '*' }, payload: { displayName: 'Back' } })).json().code, 'PARTICIPANT_ERASED')
})

t.test('when staff list participants by area, then those of the area and of the areas within it come back (REST and GraphQL)', async (t) => {
  const beat = (await app.inject({ method: 'POST', url: '/v1/agencies/metro/areas', headers: await bearer({ role: 'admin', agency: 'metro' }), payload: { code: 'N-B7', name: 'Beat 7', kind: 'beat', parentId: fixtures.areas.north.id } })).json()
  const inBeat = await create(person({ displayName: 'Ines B.', areaId: beat.id }))
  const south = await create(person({ displayName: 'Sam S.', areaId: fixtures.areas.south.id }))
  const rest = await app.inject({ method: 'GET', url: `/v1/participants?areaId=${fixtures.areas.north.id}&limit=100`, headers: staff })
  t.equal(rest.statusCode, 200, rest.body)
  const ids = rest.json().data.map((p: { id: string }) => p.id)
  t.ok(ids.includes(inBeat.id), 'a participant in a beat of the district')
  t.notOk(ids.includes(south.id), 'not one of another district')
  const gql = await app.inject({ method: 'POST', url: '/graphql', headers: staff, payload: { query: `{ participants(first: 100, filter: { areaId: ["${fixtures.areas.north.id}"] }) { nodes { id } } }` } })
  t.same(gql.json().errors, undefined, gql.body)
  t.same(gql.json().data.participants.nodes.map((p: { id: string }) => p.id).sort(), [...ids].sort(), 'GraphQL agrees')
})
