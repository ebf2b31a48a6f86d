// Every role × every participants/attendance/survey operation, REST and GraphQL, against one written policy.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { dateAfterNow } from './helpers/clock.ts'
import { eventBody } from './helpers/fixtures.ts'

type Role = 'public' | 'partner' | 'analyst' | 'staff' | 'admin' | 'staffElsewhere'
const roles: Role[] = ['public', 'partner', 'analyst', 'staff', 'admin', 'staffElsewhere']

t.test('when every role tries every people operation, then each answer is the one the access policy gives', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const post = async (url: string, payload: unknown, headers: Record<string, string> = staff) => {
    const res = await app.inject({ method: 'POST', url, headers, payload: payload as never })
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.body}`)
    return res.json()
  }
  const org = await post('/v1/organizations', { name: 'Partner', kind: 'faith' })
  const headers: Record<Role, Record<string, string>> = {
    public: {},
    partner: await bearer({ role: 'partner', sub: 'p', claims: { org: org.id } }),
    analyst: await bearer({ role: 'analyst', sub: 'a' }),
    staff,
    admin: await bearer({ role: 'admin', sub: 'admin' }),
    staffElsewhere: await bearer({ agency: 'lakeside', sub: 'lake' }),
  }
  const agencyParticipant = await post('/v1/participants', { displayName: 'Agency person' })
  const partnerParticipant = await post('/v1/participants', { displayName: 'Partner person', organizationId: org.id })
  const event = await post('/v1/events', eventBody({ registrationRequired: true, capacity: 100 }))
  // Before TEST_NOW: held, so its survey is open.
  const held = await post('/v1/events', eventBody({ startsAt: `${dateAfterNow(-1)}T09:00:00-05:00`, endsAt: `${dateAfterNow(-1)}T10:00:00-05:00` }))
  // The survey token is the capability: whoever holds one answers once, whatever their role. Each attempt gets its own.
  const freshToken = async (): Promise<string> => {
    const person = await post('/v1/participants', { displayName: 'Attendee' })
    const res = await app.inject({ method: 'POST', url: `/v1/events/${held.id}/check-ins`, headers: staff, payload: { participantId: person.id } })
    return res.json().surveyToken
  }
  const any = { 'if-match': '*' }

  const rest = (method: string, url: string | (() => Promise<string>), payload?: unknown, extra: Record<string, string> = {}) => async (h: Record<string, string>) => {
    const res = await app.inject({ method: method as 'GET', url: typeof url === 'string' ? url : await url(), headers: { ...h, ...extra }, ...(payload !== undefined ? { payload: payload as never } : {}) })
    return { status: res.statusCode, body: res.body }
  }
  const gql = (query: string) => async (h: Record<string, string>) => {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: h, payload: { query } })
    const code = res.json().errors?.[0]?.extensions?.code as string | undefined
    const status = !code ? 200 : ({ UNAUTHENTICATED: 401, FORBIDDEN: 403, PARTICIPANT_NOT_FOUND: 404, EVENT_NOT_FOUND: 404, REGISTRATION_NOT_FOUND: 404 } as Record<string, number>)[code] ?? 400
    return { status, body: res.body }
  }
  const all = (s: number) => Object.fromEntries(roles.map((r) => [r, s])) as Record<Role, number>
  const staffOnly = (ok: number, elsewhere = ok): Record<Role, number> => ({ public: 401, partner: 403, analyst: 403, staff: ok, admin: ok, staffElsewhere: elsewhere })
  // Each attempt gets a fresh registration, so one role's success does not change what the next sees.
  const freshRegistration = async () => `/v1/registrations/${(await post(`/v1/events/${event.id}/registrations`, { displayName: 'Fresh' }, {})).id}/cancel`

  const ops: { name: string; run: (h: Record<string, string>) => Promise<{ status: number; body: string }>; expect: Record<Role, number> }[] = [
    { name: 'REST list participants', run: rest('GET', '/v1/participants'), expect: { public: 401, partner: 200, analyst: 403, staff: 200, admin: 200, staffElsewhere: 200 } },
    { name: 'REST read an agency participant', run: rest('GET', `/v1/participants/${agencyParticipant.id}`), expect: { public: 401, partner: 404, analyst: 404, staff: 200, admin: 200, staffElsewhere: 404 } },
    { name: 'REST read a partner participant', run: rest('GET', `/v1/participants/${partnerParticipant.id}`), expect: { public: 401, partner: 200, analyst: 404, staff: 200, admin: 200, staffElsewhere: 404 } },
    { name: 'REST record a participant', run: rest('POST', '/v1/participants', { displayName: 'New' }), expect: { ...staffOnly(201), partner: 201 } },
    { name: 'REST change a participant', run: rest('PATCH', `/v1/participants/${agencyParticipant.id}`, { preferredLanguage: 'es' }, any), expect: staffOnly(200, 404) },
    { name: 'REST withdraw consent', run: rest('POST', `/v1/participants/${agencyParticipant.id}/withdraw-consent`, { dataUse: true }, any), expect: staffOnly(200, 404) },
    { name: 'REST record demographics (partner participant)', run: rest('PUT', `/v1/participants/${partnerParticipant.id}/demographics`, { gender: 'prefer_not_to_say' }), expect: { ...staffOnly(204, 404), partner: 204 } },
    { name: 'REST erase', run: async (h) => rest('POST', `/v1/participants/${(await post('/v1/participants', { displayName: 'Erase me' })).id}/erase`)(h), expect: { public: 401, partner: 403, analyst: 403, staff: 403, admin: 200, staffElsewhere: 403 } },
    { name: 'REST attendance counts', run: rest('GET', `/v1/events/${event.id}/attendance`), expect: all(200) },
    { name: 'REST register oneself', run: rest('POST', `/v1/events/${event.id}/registrations`, { displayName: 'Me' }), expect: all(201) },
    { name: 'REST list registrations', run: rest('GET', `/v1/events/${event.id}/registrations`), expect: staffOnly(200, 404) },
    { name: 'REST cancel a registration', run: rest('POST', freshRegistration, undefined, any), expect: staffOnly(200, 404) },
    { name: 'REST check in', run: rest('POST', `/v1/events/${event.id}/check-ins`, { participantId: agencyParticipant.id }), expect: staffOnly(200, 404) },
    { name: 'REST head count', run: rest('POST', `/v1/events/${event.id}/head-counts`, { count: 3 }), expect: staffOnly(201, 404) },
    { name: 'REST answer the survey', run: async (h) => rest('POST', `/v1/events/${held.id}/survey-responses`, { token: await freshToken(), dignity: 4 })(h), expect: all(201) },
    { name: 'REST answer the survey without a token', run: rest('POST', `/v1/events/${held.id}/survey-responses`, { dignity: 4 }), expect: all(400) },
    { name: 'REST list survey responses', run: rest('GET', `/v1/events/${held.id}/survey-responses`), expect: staffOnly(200, 404) },
    { name: 'GraphQL participants', run: gql('{ participants { nodes { id } } }'), expect: { public: 401, partner: 200, analyst: 403, staff: 200, admin: 200, staffElsewhere: 200 } },
    { name: 'GraphQL an agency participant', run: gql(`{ participant(id: "${agencyParticipant.id}") { id } }`), expect: { public: 401, partner: 404, analyst: 404, staff: 200, admin: 200, staffElsewhere: 404 } },
    { name: 'GraphQL record a participant', run: gql('mutation { createParticipant(input: { displayName: "G" }) { participant { id } } }'), expect: { ...staffOnly(200), partner: 200 } },
    { name: 'GraphQL erase', run: gql('mutation { eraseParticipant(id: "00000000-0000-4000-8000-000000000000") { id } }'), expect: { public: 401, partner: 403, analyst: 403, staff: 403, admin: 404, staffElsewhere: 403 } },
    { name: 'GraphQL register oneself', run: gql(`mutation { registerForEvent(eventId: "${event.id}", self: { displayName: "G" }) { registration { id } } }`), expect: all(200) },
    { name: 'GraphQL head count', run: gql(`mutation { recordHeadCount(eventId: "${event.id}", count: 2) { id } }`), expect: staffOnly(200, 404) },
    { name: 'GraphQL survey', run: async (h) => gql(`mutation { submitSurveyResponse(eventId: "${held.id}", input: { token: "${await freshToken()}", trust: 3 }) { id } }`)(h), expect: all(200) },
  ]

  const violations: string[] = []
  let cells = 0
  for (const op of ops) {
    for (const role of roles) {
      const { status, body } = await op.run(headers[role])
      cells++
      if (status !== op.expect[role]) violations.push(`${op.name} as ${role}: got ${status}, policy says ${op.expect[role]}: ${body.slice(0, 160)}`)
    }
  }

  // Attendee lists over GraphQL: null (not an error) for anyone but the event's agency staff.
  const sees: Record<Role, boolean> = { public: false, partner: false, analyst: false, staff: true, admin: true, staffElsewhere: false }
  for (const role of roles) {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: headers[role], payload: { query: `{ event(id: "${event.id}") { attendance { registered } registrations { nodes { displayName } } } }` } })
    cells++
    const data = res.json().data?.event
    if (!data || data.attendance.registered < 1) violations.push(`${role} cannot see attendance counts`)
    if ((data?.registrations !== null) !== sees[role]) violations.push(`attendee list ${sees[role] ? 'missing for' : 'shown to'} ${role}`)
  }
  t.same(violations, [], `${cells} role × operation cells, ${violations.length} violations`)
  t.comment(`${roles.length} roles × ${ops.length + 1} operations: ${cells} cells, ${violations.length} violations`)
})
