// Outreach announcements: written by staff for areas, languages and channels, rendered per language and channel with
// SMS segments counted, missing translations listed, public while current, withdrawn with a reason, and the reach
// partners report added up per channel; every change appends an outbox row in its transaction.
import t from 'tap'
import { sql } from 'drizzle-orm'
import { outbox } from '../src/db/schema/index.ts'
import { smsSegments } from '../src/modules/announcements/sms-segments.ts'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { TEST_NOW } from './helpers/clock.ts'

t.test('when a text is counted for SMS, then GSM-7 and UCS-2 segments follow the limits', async (t) => {
  t.match(smsSegments('a'.repeat(160)), { encoding: 'GSM-7', units: 160, segments: 1 })
  t.match(smsSegments('a'.repeat(161)), { encoding: 'GSM-7', segments: 2 })
  t.match(smsSegments('a'.repeat(306)), { encoding: 'GSM-7', segments: 2 }, '153 per part')
  t.match(smsSegments('a'.repeat(307)), { encoding: 'GSM-7', segments: 3 })
  t.match(smsSegments('€'.repeat(80)), { encoding: 'GSM-7', characters: 80, units: 160, segments: 1 }, 'extension characters count two')
  t.match(smsSegments('€'.repeat(81)), { encoding: 'GSM-7', units: 162, segments: 2 })
  t.match(smsSegments('ñ'.repeat(160)), { encoding: 'GSM-7', segments: 1 }, 'ñ is GSM-7')
  t.match(smsSegments('a'.repeat(69) + 'ć'), { encoding: 'UCS-2', units: 70, segments: 1 }, 'one non-GSM character makes all UCS-2')
  t.match(smsSegments('a'.repeat(70) + 'ć'), { encoding: 'UCS-2', segments: 2 })
  t.match(smsSegments('ć'.repeat(134)), { encoding: 'UCS-2', segments: 2 }, '67 per part')
  t.match(smsSegments('ć'.repeat(135)), { encoding: 'UCS-2', segments: 3 })
  t.match(smsSegments('😀'.repeat(35)), { encoding: 'UCS-2', characters: 35, units: 70, segments: 1 }, 'a character outside the BMP takes two units')
  t.match(smsSegments(''), { segments: 0 })
})

t.test('when staff publish an announcement, then the public read it with renderings, and partners report reach', async (t) => {
  const { app, database, fixtures } = await build(t)
  const staff = await bearer()
  const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Cedar Street Mosque', kind: 'faith' } })).json()
  const partner = await bearer({ role: 'partner', sub: 'p-1', claims: { org: org.id } })
  const body = {
    kind: 'report_back',
    title: { en: 'School-zone patrols start Monday', es: 'Patrullas escolares desde el lunes', so: 'Ilaalada dugsiga Isniinta' },
    body: { en: 'You asked for safer streets around schools.', es: 'Pidieron calles más seguras cerca de las escuelas.', so: 'Waxaad codsateen waddooyin badbaado leh.' },
    languages: ['en', 'es', 'so', 'vi'],
    channels: ['sms', 'web', 'word_of_mouth'],
    areaIds: [fixtures.areas.north.id],
    organizationIds: [org.id],
  }
  const created = await app.inject({ method: 'POST', url: '/v1/announcements', headers: staff, payload: body })
  t.equal(created.statusCode, 201, created.body)
  const a = created.json()
  t.same(a.missingTranslations, ['vi'], 'Vietnamese was asked for and is missing')
  t.equal(a.renderings.length, 9, '3 translated languages × 3 channels')
  const sms = a.renderings.find((r: { language: string; channel: string }) => r.language === 'en' && r.channel === 'sms')
  t.same(sms.sms, smsSegments(sms.text))
  t.equal(a.renderings.find((r: { channel: string }) => r.channel === 'web').sms, null)

  const read = await app.inject({ method: 'GET', url: `/v1/announcements/${a.id}`, headers: { 'accept-language': 'so' } })
  t.equal(read.json().title, 'Ilaalada dugsiga Isniinta')
  t.equal((await app.inject({ method: 'GET', url: '/v1/announcements?agency=metro&channel=sms' })).json().data.length, 1)

  const reached = await app.inject({ method: 'POST', url: `/v1/announcements/${a.id}/reach`, headers: partner, payload: { channel: 'word_of_mouth', count: 40 } })
  t.equal(reached.statusCode, 200, reached.body)
  await app.inject({ method: 'POST', url: `/v1/announcements/${a.id}/reach`, headers: staff, payload: { channel: 'sms', count: 412 } })
  await app.inject({ method: 'POST', url: `/v1/announcements/${a.id}/reach`, headers: partner, payload: { channel: 'word_of_mouth', count: 2 } })
  t.same((await app.inject({ method: 'GET', url: `/v1/announcements/${a.id}` })).json().reach, [{ channel: 'sms', count: 412 }, { channel: 'word_of_mouth', count: 42 }], 'summed per channel')
  t.equal((await app.inject({ method: 'POST', url: `/v1/announcements/${a.id}/reach`, headers: partner, payload: { channel: 'radio', count: 1 } })).json().code, 'VALIDATION_FAILED', 'only its channels')
  t.equal((await app.inject({ method: 'POST', url: `/v1/announcements/${a.id}/reach`, payload: { channel: 'sms', count: 1 } })).statusCode, 401)
  t.equal((await app.inject({ method: 'POST', url: `/v1/announcements/${a.id}/reach`, headers: await bearer({ role: 'analyst' }), payload: { channel: 'sms', count: 1 } })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: `/v1/announcements/${a.id}/reach`, headers: partner, payload: { channel: 'sms', count: -1 } })).statusCode, 400)

  const withdrawn = await app.inject({ method: 'POST', url: `/v1/announcements/${a.id}/withdraw`, headers: staff, payload: { reason: 'Date changed' } })
  t.equal(withdrawn.json().status, 'withdrawn')
  t.equal((await app.inject({ method: 'POST', url: `/v1/announcements/${a.id}/withdraw`, headers: staff, payload: { reason: 'again' } })).json().code, 'INVALID_TRANSITION')
  t.equal((await app.inject({ method: 'GET', url: `/v1/announcements/${a.id}` })).json().code, 'ANNOUNCEMENT_NOT_FOUND', 'the public no longer see it')
  t.equal((await app.inject({ method: 'GET', url: `/v1/announcements/${a.id}`, headers: staff })).json().withdrawnReason, 'Date changed', 'staff do')

  const rows = await database.db.select().from(outbox).where(sql`${outbox.entityId} = ${a.id}::uuid`).orderBy(outbox.tx, outbox.id)
  t.same(rows.map((r) => r.action), ['announcement.published', 'announcement.updated', 'announcement.updated', 'announcement.updated', 'announcement.withdrawn'])
})

t.test('when an announcement is scheduled, expires or is a draft, then the public see it only while it is current', async (t) => {
  const { app, fixtures } = await build(t)
  const staff = await bearer()
  const now = Date.parse(TEST_NOW)
  const base = { kind: 'safety_notice', title: { en: 'Road closed' }, body: { en: 'Elm Street is closed for repairs.' }, languages: ['en'], channels: ['web'] }
  const later = (await app.inject({ method: 'POST', url: '/v1/announcements', headers: staff, payload: { ...base, publishAt: new Date(now + 86_400_000).toISOString() } })).json()
  const draft = (await app.inject({ method: 'POST', url: '/v1/announcements', headers: staff, payload: { ...base, publish: false } })).json()
  const current = (await app.inject({ method: 'POST', url: '/v1/announcements', headers: staff, payload: { ...base, expiresAt: new Date(now + 86_400_000).toISOString() } })).json()
  const ids = (await app.inject({ method: 'GET', url: '/v1/announcements' })).json().data.map((x: { id: string }) => x.id)
  t.same(ids, [current.id], 'neither the scheduled one nor the draft')
  t.equal((await app.inject({ method: 'GET', url: '/v1/announcements', headers: staff })).json().data.length, 3)
  t.not(later.id, draft.id)
  const bad = await app.inject({ method: 'POST', url: '/v1/announcements', headers: staff, payload: { ...base, areaIds: [fixtures.areas.lakeArea.id], expiresAt: new Date(now - 86_400_000).toISOString() } })
  t.equal(bad.statusCode, 400)
  for (const payload of [{ ...base, channels: [] }, { ...base, channels: ['pigeon'] }, { ...base, languages: ['en', 'en'] }, { ...base, status: 'published' }, { ...base, publishAt: 'tomorrow' }])
    t.equal((await app.inject({ method: 'POST', url: '/v1/announcements', headers: staff, payload })).json().code, 'VALIDATION_FAILED', JSON.stringify(payload).slice(0, 60))
  t.equal((await app.inject({ method: 'POST', url: '/v1/announcements', headers: await bearer({ role: 'partner' }), payload: base })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: '/v1/announcements', payload: base })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: '/v1/announcements/nope' })).json().code, 'ANNOUNCEMENT_NOT_FOUND')
})

t.test('over GraphQL, staff write and withdraw, partners report reach, and bad input is an error with a code', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const gql = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => (await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } })).json()
  const made = await gql('mutation { createAnnouncement(input: { kind: UPCOMING_MEETING, title: [{ language: "en", text: "Town hall Tuesday" }, { language: "so", text: "Shir Talaado" }], body: [{ language: "en", text: "6pm at the library" }, { language: "so", text: "6da fiidnimo maktabadda" }], languages: ["en", "so", "es"], channels: [SMS] }) { announcement { id missingTranslations renderings { language channel sms { encoding segments } } } } }', {}, staff)
  const a = made.data.createAnnouncement.announcement
  t.same(a.missingTranslations, ['es'])
  t.same(a.renderings.map((r: { language: string; sms: { segments: number } }) => [r.language, r.sms.segments]), [['en', 1], ['so', 1]])
  const read = await gql('query ($id: ID!) { announcement(id: $id, language: "so") { title channels status } }', { id: a.id })
  t.same(read.data.announcement, { title: 'Shir Talaado', channels: ['SMS'], status: 'PUBLISHED' })
  const wrongChannel = await gql('mutation ($id: ID!) { reportAnnouncementReach(id: $id, channel: RADIO, count: 1) { id } }', { id: a.id }, staff)
  t.equal(wrongChannel.errors[0].extensions.code, 'VALIDATION_FAILED')
  const doubled = await gql('mutation { createAnnouncement(input: { kind: OTHER, title: [{ language: "en", text: "a" }, { language: "en", text: "b" }], body: [{ language: "en", text: "c" }], languages: ["en"], channels: [WEB] }) { announcement { id } } }', {}, staff)
  t.equal(doubled.errors[0].extensions.code, 'VALIDATION_FAILED')
  const withdrawn = await gql('mutation ($id: ID!) { withdrawAnnouncement(id: $id, reason: "Moved to Wednesday") { status withdrawnReason } }', { id: a.id }, staff)
  t.same(withdrawn.data.withdrawAnnouncement, { status: 'WITHDRAWN', withdrawnReason: 'Moved to Wednesday' })
  t.equal((await gql('query ($id: ID!) { announcement(id: $id) { id } }', { id: a.id })).errors[0].extensions.code, 'ANNOUNCEMENT_NOT_FOUND')
})
