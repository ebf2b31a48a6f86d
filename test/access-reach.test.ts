// Every role × every shared-priority and follow-up operation, REST and GraphQL, against one written policy; the test
// counts violations. The follow-up code is a capability: whoever holds it sees the same, and nothing of the giver.
import t from 'tap'
import { accessRoles, roles, type Role } from './helpers/access-roles.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'


t.test('when every role tries every priority and follow-up operation, then each answer is the one the access policy gives', async (t) => {
  const { app } = await build(t)
  const { staff, post, own, other, headers } = await accessRoles(app)
  const given = await post('/v1/feedback', { agency: 'metro', body: 'canary-body: call me at 555-201-4477', language: 'so', topic: 'community_safety', contact: { displayName: 'Canary Giver', email: 'canary-contact@example.org', consentToContact: true } }, {})
  const published = await post('/v1/priorities', { statement: { en: 'Safe routes to school' }, feedbackIds: [given.id] })
  const pending = await post('/v1/priorities', { agency: 'metro', statement: { en: 'Benches at the bus stop' } }, {})
  // Each role endorses its own fresh priority, so a first endorsement is what is tested (not the once-only rules).
  const fresh: Record<string, string> = {}
  const freshFor = async (name: string, role: Role) => (fresh[`${name}:${role}`] = (await post('/v1/priorities', { statement: { en: `${name} ${role}` } })).id)
  for (const role of roles) {
    await freshFor('rest', role)
    await freshFor('gql', role)
    await freshFor('status', role)
    await freshFor('gqlStatus', role)
  }

  // A meeting to register for: codes are capabilities, so every role holding one may use it; per role, one to cancel.
  const meeting = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ registrationRequired: true, capacity: 500 }) })).json()
  const selfRegister = async (name: string) => (await post(`/v1/events/${meeting.id}/registrations`, { displayName: name, accommodationNote: 'canary-note' }, {})).registrationCode as string
  const shared = await selfRegister('Shared Registrant')
  const toCancel: Record<string, string> = {}
  for (const role of roles) {
    toCancel[`rest:${role}`] = await selfRegister(`Rest ${role}`)
    toCancel[`gql:${role}`] = await selfRegister(`Gql ${role}`)
  }

  // Announcements: one published for everyone, one draft for staff, one per role to withdraw.
  const announce = async (extra: Record<string, unknown> = {}) => (await post('/v1/announcements', { kind: 'safety_notice', title: { en: 'Road closed' }, body: { en: 'Elm Street is closed.' }, languages: ['en'], channels: ['web', 'sms'], ...extra })).id as string
  const notice = await announce()
  const draftNotice = await announce({ publish: false })
  const toWithdraw: Record<string, string> = {}
  for (const role of roles) {
    toWithdraw[`rest:${role}`] = await announce()
    toWithdraw[`gql:${role}`] = await announce()
  }

  type Op = { name: string; run: (h: Record<string, string>, role: Role) => Promise<{ status: number; body: string }>; expect: Record<Role, number> }
  const rest = (method: string, url: (role: Role) => string, payload?: (role: Role) => unknown, extra: Record<string, string> = {}) => async (h: Record<string, string>, role: Role) => {
    const body = payload?.(role)
    const res = await app.inject({ method: method as 'GET', url: url(role), headers: { ...h, ...extra }, ...(body !== undefined ? { payload: body as never } : {}), remoteAddress: `198.51.100.${roles.indexOf(role) + 1}` })
    return { status: res.statusCode, body: res.body }
  }
  const codes: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, PRIORITY_NOT_FOUND: 404, TRACKING_CODE_NOT_FOUND: 404, VALIDATION_FAILED: 400, RATE_LIMITED: 429 }
  const gql = (query: (role: Role) => string) => async (h: Record<string, string>, role: Role) => {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: { ...h, 'content-type': 'application/json' }, payload: { query: query(role) }, remoteAddress: `198.51.100.${roles.indexOf(role) + 1}` })
    const code = res.json().errors?.[0]?.extensions?.code as string | undefined
    return { status: !code ? 200 : (codes[code] ?? 500), body: res.body }
  }
  const all = (status: number): Record<Role, number> => Object.fromEntries(roles.map((r) => [r, status])) as Record<Role, number>
  const staffOnly = (ok: number, elsewhere = 404): Record<Role, number> => ({ public: 401, partnerOwn: 403, partnerOther: 403, analyst: 403, staff: ok, admin: ok, staffElsewhere: elsewhere })
  // Staff of another agency cannot name this agency's organization (400) and do not see its priority (404).
  const endorsers: Record<Role, number> = { public: 200, partnerOwn: 200, partnerOther: 200, analyst: 403, staff: 200, admin: 200, staffElsewhere: 404 }
  const endorseBody = (role: Role) => (role === 'public' ? undefined : role.startsWith('partner') ? {} : { organizationId: own.id })
  const endorseInput = (role: Role) => (role === 'public' ? '' : role.startsWith('partner') ? '' : `, input: { organizationId: "${own.id}" }`)

  const ops: Op[] = [
    { name: 'REST list priorities', run: rest('GET', () => '/v1/priorities'), expect: all(200) },
    { name: 'REST read a published priority', run: rest('GET', () => `/v1/priorities/${published.id}`), expect: all(200) },
    { name: 'REST read a priority waiting for moderation', run: rest('GET', () => `/v1/priorities/${pending.id}`), expect: { ...all(404), staff: 200, admin: 200 } },
    { name: 'REST propose a priority', run: rest('POST', () => '/v1/priorities', () => ({ agency: 'metro', statement: { en: 'x' } })), expect: { ...all(201), analyst: 403, staffElsewhere: 400 } },
    { name: 'REST change a priority', run: rest('PATCH', () => `/v1/priorities/${published.id}`, () => ({ topics: ['community_safety'] }), { 'if-match': '*' }), expect: staffOnly(200) },
    { name: 'REST move a priority along', run: rest('POST', (r) => `/v1/priorities/${fresh[`status:${r}`]}/status`, () => ({ status: 'adopted' }), { 'if-match': '*' }), expect: staffOnly(200) },
    { name: 'REST endorse a priority', run: rest('POST', (r) => `/v1/priorities/${fresh[`rest:${r}`]}/endorsements`, endorseBody), expect: endorsers },
    { name: 'REST follow up with the code', run: rest('GET', () => `/v1/follow-up/${given.trackingCode}`), expect: all(200) },
    { name: 'REST see one’s registration with the code', run: rest('GET', () => `/v1/my-registrations/${shared}`), expect: all(200) },
    { name: 'REST ask for accommodations with the code', run: rest('PUT', () => `/v1/my-registrations/${shared}/accommodations`, () => ({ accommodations: ['step_free_access'] })), expect: all(200) },
    { name: 'REST cancel with the code', run: rest('POST', (r) => `/v1/my-registrations/${toCancel[`rest:${r}`]}/cancel`), expect: all(200) },
    { name: 'REST read the accommodation requests', run: rest('GET', () => `/v1/events/${meeting.id}/accommodation-requests`), expect: staffOnly(200) },
    { name: 'REST list announcements', run: rest('GET', () => '/v1/announcements'), expect: all(200) },
    { name: 'REST read a published announcement', run: rest('GET', () => `/v1/announcements/${notice}`), expect: all(200) },
    { name: 'REST read a draft announcement', run: rest('GET', () => `/v1/announcements/${draftNotice}`), expect: { ...all(404), staff: 200, admin: 200 } },
    { name: 'REST write an announcement', run: rest('POST', () => '/v1/announcements', () => ({ kind: 'other', title: { en: 'x' }, body: { en: 'y' }, languages: ['en'], channels: ['web'] })), expect: { ...staffOnly(201), staffElsewhere: 201 } },
    { name: 'REST withdraw an announcement', run: rest('POST', (r) => `/v1/announcements/${toWithdraw[`rest:${r}`]}/withdraw`, () => ({ reason: 'moved' })), expect: staffOnly(200) },
    { name: 'REST report reach', run: rest('POST', () => `/v1/announcements/${notice}/reach`, () => ({ channel: 'sms', count: 3 })), expect: { public: 401, partnerOwn: 200, partnerOther: 200, analyst: 403, staff: 200, admin: 200, staffElsewhere: 404 } },
    { name: 'GraphQL list priorities', run: gql(() => '{ priorities { nodes { id } } }'), expect: all(200) },
    { name: 'GraphQL read a published priority', run: gql(() => `{ priority(id: "${published.id}") { id } }`), expect: all(200) },
    { name: 'GraphQL read a priority waiting for moderation', run: gql(() => `{ priority(id: "${pending.id}") { id } }`), expect: { ...all(404), staff: 200, admin: 200 } },
    { name: 'GraphQL propose a priority', run: gql(() => 'mutation { proposePriority(input: { agency: "metro", statement: [{ language: "en", text: "x" }] }) { priority { id } } }'), expect: { ...all(200), analyst: 403, staffElsewhere: 400 } },
    { name: 'GraphQL change a priority', run: gql(() => `mutation { updatePriority(id: "${published.id}", expectedVersion: 0, input: { topics: [] }) { id } }`), expect: { ...staffOnly(412), staffElsewhere: 404 } },
    { name: 'GraphQL move a priority along', run: gql((r) => `mutation { changePriorityStatus(id: "${fresh[`gqlStatus:${r}`]}", expectedVersion: 1, input: { status: ADOPTED }) { status } }`), expect: staffOnly(200) },
    { name: 'GraphQL endorse a priority', run: gql((r) => `mutation { endorsePriority(id: "${fresh[`gql:${r}`]}"${endorseInput(r)}) { endorsementCount } }`), expect: endorsers },
    { name: 'GraphQL follow up with the code', run: gql(() => `{ followUp(code: "${given.trackingCode}") { feedback { id status } decisions { id } } }`), expect: all(200) },
    { name: 'GraphQL see one’s registration with the code', run: gql(() => `{ ownRegistration(code: "${shared}") { status } }`), expect: all(200) },
    { name: 'GraphQL ask for accommodations with the code', run: gql(() => `mutation { requestAccommodations(code: "${shared}", input: { accommodations: [STEP_FREE_ACCESS] }) { status } }`), expect: all(200) },
    { name: 'GraphQL cancel with the code', run: gql((r) => `mutation { cancelOwnRegistration(code: "${toCancel[`gql:${r}`]}") { status } }`), expect: all(200) },
    { name: 'GraphQL read the accommodation requests', run: gql(() => `{ accommodationRequests(eventId: "${meeting.id}") { notes { note } } }`), expect: staffOnly(200) },
    { name: 'GraphQL list announcements', run: gql(() => '{ announcements { nodes { id renderings { sms { segments } } } } }'), expect: all(200) },
    { name: 'GraphQL read a draft announcement', run: gql(() => `{ announcement(id: "${draftNotice}") { id } }`), expect: { ...all(404), staff: 200, admin: 200 } },
    { name: 'GraphQL write an announcement', run: gql(() => 'mutation { createAnnouncement(input: { kind: OTHER, title: [{ language: "en", text: "x" }], body: [{ language: "en", text: "y" }], languages: ["en"], channels: [WEB] }) { announcement { id } } }'), expect: { ...staffOnly(200), staffElsewhere: 200 } },
    { name: 'GraphQL withdraw an announcement', run: gql((r) => `mutation { withdrawAnnouncement(id: "${toWithdraw[`gql:${r}`]}", reason: "moved") { status } }`), expect: staffOnly(200) },
    { name: 'GraphQL report reach', run: gql(() => `mutation { reportAnnouncementReach(id: "${notice}", channel: SMS, count: 3) { reach { count } } }`), expect: { public: 401, partnerOwn: 200, partnerOther: 200, analyst: 403, staff: 200, admin: 200, staffElsewhere: 404 } },
  ]
  codes.PRECONDITION_FAILED = 412
  codes.ANNOUNCEMENT_NOT_FOUND = 404
  codes.EVENT_NOT_FOUND = 404

  const violations: string[] = []
  let cells = 0
  for (const op of ops) {
    for (const role of roles) {
      const { status, body } = await op.run(headers[role], role)
      cells++
      if (status !== op.expect[role]) violations.push(`${op.name} as ${role}: got ${status}, policy says ${op.expect[role]}: ${body.slice(0, 200)}`)
      // The follow-up shows progress, never the giver's text or contact, to anyone holding the code.
      if (/canary-(body|contact)|Canary Giver|555-201-4477/.test(body)) violations.push(`${op.name} as ${role}: the giver's text or contact leaked`)
      // Registrants' notes are for the agency's staff: a code shows the holder's registration, not what anyone wrote.
      const seesNotes = op.name.includes('accommodation requests') && (role === 'staff' || role === 'admin')
      if (body.includes('canary-note') !== seesNotes) violations.push(`${op.name} as ${role}: registrants' notes ${seesNotes ? 'missing' : 'leaked'}`)
    }
  }
  t.same(violations, [], `${cells} role × operation cells, ${violations.length} violations`)
  t.comment(`${roles.length} roles × ${ops.length} operations: ${cells} cells, ${violations.length} violations`)
})
