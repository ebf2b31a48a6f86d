// The story, over REST and again over GraphQL: an anonymous safety concern given at a meeting, its giver keeps
// the tracking code; staff link it to a shared priority that two partner organizations and 25 residents endorse; a
// decision adopts the priority; a report-back is recorded; the giver, with only the code, reads both in Somali.
// The announcement is published for an area and two community liaisons the partners proposed and staff confirmed.
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const { app, fixtures } = await build(t)
const staff = await bearer()
const ok = async (t: Test, res: { statusCode: number; body: string; json(): any }, status = 200) => {
  t.equal(res.statusCode, status, res.statusCode === status ? `${status}` : res.body)
  return res.json()
}
const org = async (name: string) => (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name, kind: 'faith' } })).json()
const meeting = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ areaId: fixtures.areas.north.id }) })).json()
const somali = { decision: 'Ilaalada aagga dugsiga ayaa la ansixiyey', reportBack: 'Ilaalada waxay bilaabanayaan Isniinta' }

async function story(t: Test, door: 'REST' | 'GraphQL', run: { address: string; partners: string[] }) {
  const gql = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}, remoteAddress?: string) => {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables }, ...(remoteAddress ? { remoteAddress } : {}) })
    t.same(res.json().errors, undefined, query.slice(0, 50))
    return res.json().data
  }
  const rest = (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}, remoteAddress?: string) =>
    (app as FastifyInstance).inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload: payload as never }), ...(remoteAddress ? { remoteAddress } : {}) })

  // 1. An anonymous safety concern given at a meeting; its giver keeps the tracking code (and nothing else).
  const concern = { agency: 'metro', body: 'Baabuurtu aad bay ugu ordaan dugsiga agtiisa', language: 'so', topic: 'community_safety', eventId: meeting.id }
  const given = door === 'REST'
    ? await ok(t, await rest('POST', '/v1/feedback', concern, {}, `${run.address}.1`), 201)
    : (await gql('mutation ($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { trackingCode feedback { id receivedAt } } }', { input: concern }, {}, `${run.address}.1`)).submitFeedback
  const code: string = given.trackingCode
  const feedbackId: string = door === 'REST' ? given.id : given.feedback.id
  const receivedAt: string = door === 'REST' ? given.receivedAt : given.feedback.receivedAt
  t.ok(code, 'the giver has a tracking code')

  // 2. Staff link it to a shared priority.
  const statement = { en: 'Safer streets around the Cedar Street school', es: 'Calles más seguras cerca de la escuela', so: 'Waddooyin badbaado leh oo ku wareegsan dugsiga' }
  let priority: { id: string; version: number }
  if (door === 'REST') priority = await ok(t, await rest('POST', '/v1/priorities', { statement, areaIds: [fixtures.areas.north.id], feedbackIds: [feedbackId] }, staff), 201)
  else {
    const translations = Object.entries(statement).map(([language, text]) => ({ language, text }))
    priority = (await gql('mutation ($input: ProposePriorityInput!) { proposePriority(input: $input) { priority { id version } } }', { input: { statement: translations, areaIds: [fixtures.areas.north.id], feedbackIds: [feedbackId] } }, staff)).proposePriority.priority
  }

  // 3. Two partner organizations endorse it by name, and 25 residents anonymously (each from their own address).
  for (const partner of run.partners) {
    const headers = await bearer({ role: 'partner', sub: `p-${partner}`, claims: { org: partner } })
    if (door === 'REST') await ok(t, await rest('POST', `/v1/priorities/${priority.id}/endorsements`, { note: { en: 'Our members walk this route' } }, headers))
    else await gql('mutation ($id: ID!) { endorsePriority(id: $id, input: { note: [{ language: "en", text: "Our members walk this route" }] }) { id } }', { id: priority.id }, headers)
  }
  for (let i = 1; i <= 25; i++) {
    const address = `${run.address}.${100 + i}`
    if (door === 'REST') await ok(t, await rest('POST', `/v1/priorities/${priority.id}/endorsements`, undefined, {}, address))
    else await gql('mutation ($id: ID!) { endorsePriority(id: $id) { id } }', { id: priority.id }, {}, address)
  }
  const counted = door === 'REST'
    ? (await ok(t, await rest('GET', `/v1/priorities/${priority.id}`))).endorsements
    : await gql('query ($id: ID!) { priority(id: $id) { total: endorsementCount anonymous: anonymousEndorsements organizations: organizationEndorsements { organizationId } } }', { id: priority.id }).then((d) => d.priority)
  t.match(counted, { total: 27, anonymous: 25 })
  t.equal(counted.organizations.length, 2)

  // 4. A decision adopts the priority; 5. a report-back is recorded.
  const decisionInput = { title: { en: 'School-zone patrols are adopted', so: somali.decision }, publication: 'published', status: 'adopted', feedbackIds: [feedbackId] }
  const decision = await ok(t, await rest('POST', '/v1/decisions', decisionInput, staff), 201)
  if (door === 'REST') {
    const linked = await ok(t, await rest('PATCH', `/v1/priorities/${priority.id}`, { decisionIds: [decision.id] }, { ...staff, 'if-match': '*' }))
    await ok(t, await rest('POST', `/v1/priorities/${priority.id}/status`, { status: 'adopted' }, { ...staff, 'if-match': `"${linked.version}"` }))
  } else {
    const linked = (await gql('mutation ($id: ID!, $d: ID!) { updatePriority(id: $id, expectedVersion: 28, input: { decisionIds: [$d] }) { version } }', { id: priority.id, d: decision.id }, staff)).updatePriority
    await gql('mutation ($id: ID!, $v: Int!) { changePriorityStatus(id: $id, expectedVersion: $v, input: { status: ADOPTED }) { status } }', { id: priority.id, v: linked.version }, staff)
  }
  const reportBack = await ok(t, await rest('POST', '/v1/report-backs', { decisionId: decision.id, channel: 'community_meeting', relayedAt: new Date(Date.parse(receivedAt) + 60_000).toISOString(), summary: { en: 'Patrols start Monday', so: somali.reportBack }, languages: ['en', 'so'] }, staff), 201)
  const relayed = await ok(t, await rest('PATCH', `/v1/priorities/${priority.id}`, { reportBackIds: [reportBack.id] }, { ...staff, 'if-match': '*' }))
  t.equal(relayed.status, 'adopted')

  // 6. An announcement of it in English, Spanish and Somali, for the area and the two partner organizations.
  const announcement = {
    kind: 'report_back',
    title: { en: 'School-zone patrols start Monday', es: 'Patrullas escolares desde el lunes', so: 'Ilaalada dugsiga waxay bilaabanayaan Isniinta' },
    body: { en: 'You asked for safer streets around schools.', es: 'Pidieron calles más seguras cerca de las escuelas.', so: 'Waxaad codsateen waddooyin badbaado leh.' },
    languages: ['en', 'es', 'so'],
    channels: ['sms', 'word_of_mouth'],
    areaIds: [fixtures.areas.north.id],
    organizationIds: run.partners,
    decisionIds: [decision.id],
    reportBackIds: [reportBack.id],
  }
  let announced: { id: string; missingTranslations: string[]; renderings: unknown[] }
  if (door === 'REST') announced = await ok(t, await rest('POST', '/v1/announcements', announcement, staff), 201)
  else {
    const list = (m: Record<string, string>) => Object.entries(m).map(([language, text]) => ({ language, text }))
    announced = (await gql('mutation ($input: CreateAnnouncementInput!) { createAnnouncement(input: $input) { announcement { id missingTranslations renderings { language } } } }', { input: { ...announcement, kind: 'REPORT_BACK', channels: ['SMS', 'WORD_OF_MOUTH'], title: list(announcement.title), body: list(announcement.body) } }, staff)).createAnnouncement.announcement
  }
  t.same(announced.missingTranslations, [], 'every language asked for is there')
  t.equal(announced.renderings.length, 6, 'three languages × two channels')

  // 6b. Two community liaisons, proposed by the two partners and confirmed by staff, carry it by word of mouth.
  const liaisonIds: string[] = []
  for (const [i, organizationId] of run.partners.entries()) {
    const partner = await bearer({ role: 'partner', sub: `story-${door}-${i}`, claims: { org: organizationId } })
    const proposal = { displayName: i === 0 ? 'Imam Yusuf Hassan' : 'Hodan Ali', kind: i === 0 ? 'faith_leader' : 'informal_leader', areaIds: [fixtures.areas.north.id], languages: ['so', 'en'], communities: ['Somali community'], organizationIds: [organizationId] }
    if (door === 'REST') {
      const proposed = await ok(t, await rest('POST', '/v1/liaisons', proposal, partner), 201)
      await ok(t, await rest('POST', `/v1/liaisons/${proposed.id}/status`, { status: 'confirmed' }, { ...staff, 'if-match': `"${proposed.version}"` }))
      const linked = await ok(t, await rest('PUT', `/v1/liaisons/${proposed.id}/links`, { events: [{ eventId: meeting.id, role: i === 0 ? 'co_host' : 'interpreter' }], announcementIds: [announced.id] }, { ...staff, 'if-match': '"2"' }))
      t.same(linked.announcementIds, [announced.id], 'the liaison carries the announcement')
      liaisonIds.push(proposed.id)
    } else {
      const proposed = (await gql('mutation ($input: ProposeLiaisonInput!) { proposeLiaison(input: $input) { id version } }', { input: { ...proposal, kind: proposal.kind.toUpperCase() } }, partner)).proposeLiaison
      await gql('mutation ($id: ID!, $v: Int!) { changeLiaisonStatus(id: $id, expectedVersion: $v, status: CONFIRMED) { status } }', { id: proposed.id, v: proposed.version }, staff)
      const linked = (await gql('mutation ($id: ID!, $input: LiaisonLinksInput!) { setLiaisonLinks(id: $id, expectedVersion: 2, input: $input) { announcementIds } }', { id: proposed.id, input: { events: [{ eventId: meeting.id, role: i === 0 ? 'CO_HOST' : 'INTERPRETER' }], announcementIds: [announced.id] } }, staff)).setLiaisonLinks
      t.same(linked.announcementIds, [announced.id], 'the liaison carries the announcement')
      liaisonIds.push(proposed.id)
    }
  }
  // The public sees both liaisons carrying it, without their names (neither chose to be listed by name).
  const carriers = (await ok(t, await rest('GET', `/v1/liaisons?agency=metro&areaId=${fixtures.areas.north.id}`))).data.filter((l: { announcementIds: string[] }) => l.announcementIds.includes(announced.id))
  t.same(carriers.map((l: { id: string; displayName: string | null }) => [l.id, l.displayName]).sort(), liaisonIds.map((id) => [id, null]).sort(), 'an area and two liaisons')

  // 7. The giver, with only the code (no account, an English browser), reads the decision and the report-back in Somali.
  if (door === 'REST') {
    const seen = await ok(t, await rest('GET', `/v1/follow-up/${code}`, undefined, { 'accept-language': 'en' }))
    t.equal(seen.feedback.status, 'reported_back')
    t.same(seen.decisions.map((d: { title: string }) => d.title), [somali.decision])
    t.same(seen.reportBacks.map((r: { summary: string }) => r.summary), [somali.reportBack])
    t.equal(seen.priorities[0].statement, statement.so)
    t.equal(seen.priorities[0].status, 'adopted')
  } else {
    const seen = (await gql('query ($code: String!) { followUp(code: $code) { feedback { status } decisions { title } reportBacks { summary } priorities { statement status } } }', { code }, { 'accept-language': 'en' })).followUp
    t.same(seen, { feedback: { status: 'REPORTED_BACK' }, decisions: [{ title: somali.decision }], reportBacks: [{ summary: somali.reportBack }], priorities: [{ statement: statement.so, status: 'ADOPTED' }] })
  }
}

t.test('the story over REST', async (t) => story(t, 'REST', { address: '198.51.100', partners: [(await org('Cedar Street Mosque')).id, (await org('Market Street Merchants')).id] }))
t.test('the story again over GraphQL', async (t) => story(t, 'GraphQL', { address: '203.0.113', partners: [(await org('Hope Chapel')).id, (await org('Riverside Youth League')).id] }))
