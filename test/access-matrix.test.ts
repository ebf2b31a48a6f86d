// Every role × every operation, REST and GraphQL, against one written policy; the test counts violations.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'
import { dateAfterNow } from './helpers/clock.ts'

type Role = 'public' | 'partnerHost' | 'partnerOther' | 'analyst' | 'staff' | 'admin' | 'staffElsewhere'
const roles: Role[] = ['public', 'partnerHost', 'partnerOther', 'analyst', 'staff', 'admin', 'staffElsewhere']

const contact = { name: 'Ana Ruiz', email: 'canary-contact@eastside.example.org', phone: '+1 555 0100' }

t.test('when every role tries every operation, then each answer is the one the access policy gives', async (t) => {
  const { app } = await build(t)
  const staffHeaders = await bearer()
  const post = async (url: string, payload: unknown, headers: Record<string, string> = staffHeaders) => {
    const res = await app.inject({ method: 'POST', url, headers, payload: payload as never })
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.body}`)
    return res.json()
  }
  const host = await post('/v1/organizations', { name: 'Eastside Neighbours', kind: 'neighbourhood_association', contact })
  const other = await post('/v1/organizations', { name: 'Westside Youth League', kind: 'youth', contact: { email: 'canary-other@west.example.org' } })
  const published = await post('/v1/events', eventBody({ coHostIds: [host.id] }))
  const draft = await post('/v1/events', eventBody({ draft: true }))

  const headers: Record<Role, Record<string, string>> = {
    public: {},
    partnerHost: await bearer({ role: 'partner', sub: 'p-host', claims: { org: host.id } }),
    partnerOther: await bearer({ role: 'partner', sub: 'p-other', claims: { org: other.id } }),
    analyst: await bearer({ role: 'analyst', sub: 'analyst-1' }),
    staff: staffHeaders,
    admin: await bearer({ role: 'admin', sub: 'admin-1' }),
    staffElsewhere: await bearer({ role: 'staff', agency: 'lakeside', sub: 'lake-staff' }),
  }
  // Versions move as operations succeed, so every write says If-Match: * (any current version).
  const any = { 'if-match': '*' }

  type Op = { name: string; run: (h: Record<string, string>) => Promise<{ status: number; body: string }>; expect: Record<Role, number> }
  const rest = (method: string, url: string | (() => string), payload?: unknown, extra: Record<string, string> = {}) => async (h: Record<string, string>) => {
    const res = await app.inject({ method: method as 'GET', url: typeof url === 'function' ? url() : url, headers: { ...h, ...extra }, ...(payload !== undefined ? { payload: payload as never } : {}) })
    return { status: res.statusCode, body: res.body }
  }
  const gql = (query: string) => async (h: Record<string, string>) => {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: { ...h, 'content-type': 'application/json' }, payload: { query } })
    const body = res.json()
    // A GraphQL refusal is an error code; map it to the HTTP status REST would give, so both doors share one table.
    const code = body.errors?.[0]?.extensions?.code as string | undefined
    const status = !code ? 200 : ({ UNAUTHENTICATED: 401, FORBIDDEN: 403, EVENT_NOT_FOUND: 404, NOT_FOUND: 404, ORGANIZATION_NOT_FOUND: 404, PRECONDITION_FAILED: 412 } as Record<string, number>)[code] ?? 400
    return { status, body: res.body }
  }
  const all = (status: number): Record<Role, number> => Object.fromEntries(roles.map((r) => [r, status])) as Record<Role, number>
  const staffOnly = (ok: number): Record<Role, number> => ({ public: 401, partnerHost: 403, partnerOther: 403, analyst: 403, staff: ok, admin: ok, staffElsewhere: ok })

  const ops: Op[] = [
    { name: 'REST list events', run: rest('GET', '/v1/events'), expect: all(200) },
    { name: 'REST read a published event', run: rest('GET', `/v1/events/${published.id}`), expect: all(200) },
    { name: 'REST read a draft', run: rest('GET', `/v1/events/${draft.id}`), expect: { ...all(404), staff: 200, admin: 200 } },
    // A partner's request is a proposal: a draft its organization co-hosts, for staff to publish.
    { name: 'REST schedule an event', run: rest('POST', '/v1/events', eventBody()), expect: { ...staffOnly(201), partnerHost: 201, partnerOther: 201 } },
    { name: 'REST propose a published event', run: rest('POST', '/v1/events', eventBody({ draft: false })), expect: { ...staffOnly(201), partnerHost: 400, partnerOther: 400 } },
    { name: 'REST propose with another co-host', run: rest('POST', '/v1/events', eventBody({ coHostIds: [other.id] })), expect: { ...staffOnly(201), partnerHost: 403, partnerOther: 201, staffElsewhere: 400 } },
    {
      name: 'REST update a co-hosted event',
      run: rest('PATCH', `/v1/events/${published.id}`, { capacity: 55 }, any),
      expect: { public: 401, partnerHost: 200, partnerOther: 404, analyst: 403, staff: 200, admin: 200, staffElsewhere: 404 },
    },
    {
      name: 'REST postpone a co-hosted event',
      run: rest('POST', `/v1/events/${published.id}/reschedule`, { startsAt: '2027-04-10T09:00:00-04:00', endsAt: '2027-04-10T10:00:00-04:00' }, any),
      expect: { public: 401, partnerHost: 200, partnerOther: 404, analyst: 403, staff: 200, admin: 200, staffElsewhere: 404 },
    },
    // Co-hosts stay the same set, so later operations see the same event.
    { name: 'REST change co-hosts', run: rest('PATCH', `/v1/events/${published.id}`, { coHostIds: [host.id] }, any), expect: { public: 401, partnerHost: 403, partnerOther: 404, analyst: 403, staff: 200, admin: 200, staffElsewhere: 404 } },
    {
      name: 'REST publish a draft',
      // Each attempt gets a fresh draft, so one role's success does not change what the next one sees.
      run: async (h) => rest('POST', `/v1/events/${(await post('/v1/events', eventBody({ draft: true }))).id}/publish`, undefined, any)(h),
      expect: { public: 401, partnerHost: 403, partnerOther: 403, analyst: 403, staff: 200, admin: 200, staffElsewhere: 404 },
    },
    { name: 'REST create a series', run: rest('POST', '/v1/series', { title: { en: 'S' }, kind: 'listening_session', format: 'in_person', venue: { name: 'Hall' }, recurrence: { rule: 'FREQ=MONTHLY;COUNT=2', start: `${dateAfterNow(39)}T18:30`, durationMinutes: 60 } }), expect: { ...staffOnly(201), partnerHost: 201, partnerOther: 201 } },
    {
      name: 'REST publish a proposed series',
      // Each attempt gets a fresh proposal from the co-hosting partner.
      run: async (h) => rest('POST', `/v1/series/${(await post('/v1/series', { title: { en: 'P' }, kind: 'listening_session', format: 'in_person', venue: { name: 'Hall' }, recurrence: { rule: 'FREQ=MONTHLY;COUNT=1', start: `${dateAfterNow(39)}T18:30`, durationMinutes: 60 } }, headers.partnerHost)).id}/publish`, undefined, any)(h),
      expect: { public: 401, partnerHost: 403, partnerOther: 403, analyst: 403, staff: 200, admin: 200, staffElsewhere: 404 },
    },
    { name: 'REST list organizations', run: rest('GET', '/v1/organizations'), expect: all(200) },
    { name: 'REST register an organization', run: rest('POST', '/v1/organizations', { name: 'New Partner', kind: 'faith' }), expect: staffOnly(201) },
    { name: 'REST create an API client', run: rest('POST', `/v1/organizations/${host.id}/api-clients`, { name: 'Calendar sync' }), expect: { public: 401, partnerHost: 403, partnerOther: 403, analyst: 403, staff: 403, admin: 201, staffElsewhere: 403 } },
    { name: 'GraphQL read a draft', run: gql(`{ event(id: "${draft.id}") { id } }`), expect: { ...all(404), staff: 200, admin: 200 } },
    { name: 'GraphQL schedule an event', run: gql(`mutation { scheduleEvent(input: { title: [{ language: "en", text: "X" }], kind: TOWN_HALL, format: IN_PERSON, startsAt: "${dateAfterNow(148)}T10:00:00-04:00", endsAt: "${dateAfterNow(148)}T11:00:00-04:00", venue: { name: "Hall" } }) { event { id } } }`), expect: { ...staffOnly(200), partnerHost: 200, partnerOther: 200 } },
    { name: 'REST create a series with co-hosts', run: rest('POST', '/v1/series', { title: { en: 'S' }, kind: 'listening_session', format: 'in_person', venue: { name: 'Hall' }, coHostIds: [host.id], recurrence: { rule: 'FREQ=MONTHLY;COUNT=2', start: `${dateAfterNow(39)}T18:30`, durationMinutes: 60 } }), expect: { ...staffOnly(201), partnerHost: 201, partnerOther: 403, staffElsewhere: 400 } },
    // Agency administration: the agency's admins (a platform operator, not a role here, is in places.test.ts).
    { name: 'REST create an agency', run: rest('POST', '/v1/agencies', { slug: 'matrix-pd', name: 'M', jurisdiction: 'M', timeZone: 'UTC', defaultLanguage: 'en', supportedLanguages: ['en'] }), expect: { ...all(403), public: 401 } },
    { name: "REST change the agency's profile", run: rest('PATCH', '/v1/agencies/metro', { jurisdiction: 'City of Metro' }, any), expect: { ...all(403), public: 401, admin: 200 } },
    { name: 'REST add an area', run: rest('POST', '/v1/agencies/metro/areas', { code: 'AM-1', name: 'Matrix beat', kind: 'beat' }), expect: { ...all(403), public: 401, admin: 201 } },
    { name: "GraphQL change the agency's profile", run: gql('mutation { updateAgency(agency: "metro", input: { jurisdiction: "City of Metro" }, expectedVersion: 0) { id } }'), expect: { ...all(403), public: 401, admin: 412 } },
    { name: 'GraphQL add an area', run: gql('mutation { createArea(agency: "metro", input: { code: "AM-2", name: "Matrix beat 2", kind: BEAT }) { area { id } } }'), expect: { ...all(403), public: 401, admin: 200 } },
    { name: 'GraphQL update a co-hosted event (stale version)', run: gql(`mutation { updateEvent(id: "${published.id}", expectedVersion: 0, input: { capacity: 60 }) { id } }`), expect: { public: 401, partnerHost: 412, partnerOther: 404, analyst: 403, staff: 412, admin: 412, staffElsewhere: 404 } },
  ]

  const violations: string[] = []
  let cells = 0
  for (const op of ops) {
    for (const role of roles) {
      const { status } = await op.run(headers[role])
      cells++
      if (status !== op.expect[role]) violations.push(`${op.name} as ${role}: got ${status}, policy says ${op.expect[role]}: ${(await op.run(headers[role])).body.slice(0, 160)}`)
    }
  }

  // Contact details: only the agency's staff and admins, and the organization itself.
  const sees: Record<Role, boolean> = { public: false, partnerHost: true, partnerOther: false, analyst: false, staff: true, admin: true, staffElsewhere: false }
  for (const role of roles) {
    for (const read of [rest('GET', `/v1/organizations/${host.id}`), rest('GET', '/v1/organizations'), gql(`{ organization(id: "${host.id}") { contact { email } } }`), gql('{ organizations { edges { node { contact { email phone name } } } } }')]) {
      const { body } = await read(headers[role])
      cells++
      const leaked = body.includes('canary-contact@')
      if (leaked !== sees[role]) violations.push(`contact ${sees[role] ? 'missing for' : 'leaked to'} ${role}: ${body.slice(0, 120)}`)
      if (body.includes('canary-other@') && !(role === 'partnerOther' || role === 'staff' || role === 'admin')) violations.push(`another organization's contact leaked to ${role}`)
    }
  }
  t.same(violations, [], `${cells} role × operation cells, ${violations.length} violations`)
  t.comment(`${roles.length} roles × ${ops.length + 4} operations: ${cells} cells, ${violations.length} violations`)
})
