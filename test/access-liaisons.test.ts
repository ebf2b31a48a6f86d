// Every role × every community-liaison operation, REST and GraphQL, against one written policy; the test counts
// violations. A liaison's contact reaches only staff who state a purpose; its name only staff, the partner that
// proposed it, and everyone once the liaison chose to be listed by name.
import t from 'tap'
import { accessRoles, roles, type Role } from './helpers/access-roles.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const canary = { name: 'Liaison-Canary-9d2b', email: 'liaison-canary-9d2b@example.org' }

t.test('when every role tries every liaison operation, then each answer is the one the access policy gives', async (t) => {
  const { app, fixtures } = await build(t)
  const { staff, post, own, headers } = await accessRoles(app)
  const body = (extra: Record<string, unknown> = {}) => ({ displayName: canary.name, kind: 'faith_leader', areaIds: [fixtures.areas.north.id], contact: { email: canary.email }, consents: { contact: true }, ...extra })
  const confirm = async (id: string) => {
    const res = await app.inject({ method: 'POST', url: `/v1/liaisons/${id}/status`, headers: { ...staff, 'if-match': '*' }, payload: { status: 'confirmed' } })
    if (res.statusCode !== 200) throw new Error(res.body)
  }
  // Proposed by the own partner and confirmed; one waiting, proposed by the own partner too.
  const confirmed = (await post('/v1/liaisons', body(), headers.partnerOwn)).id as string
  await confirm(confirmed)
  const waiting = (await post('/v1/liaisons', body(), headers.partnerOwn)).id as string
  const event = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() })).json()
  // Per role and door, a fresh liaison for the commands that change or end one.
  const fresh: Record<string, string> = {}
  for (const role of roles) for (const name of ['status', 'gqlStatus', 'remove', 'gqlRemove', 'erase', 'gqlErase']) fresh[`${name}:${role}`] = (await post('/v1/liaisons', body({ displayName: `Fresh ${name}` }))).id

  type Op = { name: string; run: (h: Record<string, string>, role: Role) => Promise<{ status: number; body: string }>; expect: Record<Role, number>; seesName?: Role[]; seesContact?: Role[] }
  const rest = (method: string, url: (role: Role) => string, payload?: (role: Role) => unknown, extra: Record<string, string> = {}) => async (h: Record<string, string>, role: Role) => {
    const b = payload?.(role)
    const res = await app.inject({ method: method as 'GET', url: url(role), headers: { ...h, ...extra }, ...(b !== undefined ? { payload: b as never } : {}) })
    return { status: res.statusCode, body: res.body }
  }
  const codes: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, LIAISON_NOT_FOUND: 404, VALIDATION_FAILED: 400, PRECONDITION_FAILED: 412 }
  const gql = (query: (role: Role) => string) => async (h: Record<string, string>) => {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: { ...h, 'content-type': 'application/json' }, payload: { query: query('public') } })
    const code = res.json().errors?.[0]?.extensions?.code as string | undefined
    return { status: !code ? 200 : (codes[code] ?? 500), body: res.body }
  }
  const gqlFor = (query: (role: Role) => string) => async (h: Record<string, string>, role: Role) => {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: { ...h, 'content-type': 'application/json' }, payload: { query: query(role) } })
    const code = res.json().errors?.[0]?.extensions?.code as string | undefined
    return { status: !code ? 200 : (codes[code] ?? 500), body: res.body }
  }
  const all = (status: number): Record<Role, number> => Object.fromEntries(roles.map((r) => [r, status])) as Record<Role, number>
  const staffOnly = (ok: number, elsewhere = 404): Record<Role, number> => ({ public: 401, partnerOwn: 403, partnerOther: 403, analyst: 403, staff: ok, admin: ok, staffElsewhere: elsewhere })
  const adminOnly = (ok: number): Record<Role, number> => ({ ...staffOnly(ok), staff: 403, staffElsewhere: 403 })
  // Who sees the confirmed liaison: everyone but staff of another agency (a liaison is its agency's).
  const readers: Record<Role, number> = { ...all(200), staffElsewhere: 404 }
  const insight: Record<Role, number> = { public: 401, partnerOwn: 403, partnerOther: 403, analyst: 200, staff: 200, admin: 200, staffElsewhere: 200 }
  const named: Role[] = ['partnerOwn', 'staff', 'admin']
  const withPurpose: Role[] = ['staff', 'admin']
  const fields = 'id displayName status contact(purpose: EVENT_LOGISTICS) { visibility email }'

  const ops: Op[] = [
    { name: 'REST list liaisons', run: rest('GET', () => '/v1/liaisons?agency=metro', undefined, { 'x-purpose': 'event_logistics' }), expect: all(200), seesName: named, seesContact: withPurpose },
    { name: 'REST read a confirmed liaison', run: rest('GET', () => `/v1/liaisons/${confirmed}?purpose=event_logistics`), expect: readers, seesName: named, seesContact: withPurpose },
    { name: 'REST read a proposed liaison', run: rest('GET', () => `/v1/liaisons/${waiting}`), expect: { ...all(404), partnerOwn: 200, staff: 200, admin: 200 }, seesName: named },
    { name: 'REST propose a liaison', run: rest('POST', () => '/v1/liaisons', () => body({ displayName: 'Newly Proposed', contact: undefined, consents: undefined })), expect: { public: 401, partnerOwn: 201, partnerOther: 201, analyst: 403, staff: 201, admin: 201, staffElsewhere: 400 } },
    { name: 'REST change a liaison', run: rest('PATCH', () => `/v1/liaisons/${confirmed}`, () => ({ languages: ['so'] }), { 'if-match': '*' }), expect: staffOnly(200), seesName: named },
    { name: 'REST confirm a liaison', run: rest('POST', (r) => `/v1/liaisons/${fresh[`status:${r}`]}/status`, () => ({ status: 'confirmed' }), { 'if-match': '*' }), expect: staffOnly(200), seesName: named },
    { name: 'REST set roles and announcements', run: rest('PUT', () => `/v1/liaisons/${confirmed}/links`, () => ({ events: [{ eventId: event.id, role: 'speaker' }] }), { 'if-match': '*' }), expect: staffOnly(200), seesName: named },
    { name: 'REST remove a liaison', run: rest('DELETE', (r) => `/v1/liaisons/${fresh[`remove:${r}`]}`, undefined, { 'if-match': '*' }), expect: staffOnly(204) },
    { name: 'REST erase a liaison', run: rest('POST', (r) => `/v1/liaisons/${fresh[`erase:${r}`]}/erase`), expect: { ...adminOnly(204), staffElsewhere: 403 } },
    { name: 'REST liaison reach', run: rest('GET', () => '/v1/insights/liaison-reach'), expect: insight },
    { name: 'GraphQL list liaisons', run: gql(() => `{ liaisons(filter: { agency: "metro" }) { nodes { ${fields} } } }`), expect: all(200), seesName: named, seesContact: withPurpose },
    { name: 'GraphQL read a confirmed liaison', run: gql(() => `{ liaison(id: "${confirmed}") { ${fields} } }`), expect: readers, seesName: named, seesContact: withPurpose },
    { name: 'GraphQL read a proposed liaison', run: gql(() => `{ liaison(id: "${waiting}") { id displayName } }`), expect: { ...all(404), partnerOwn: 200, staff: 200, admin: 200 }, seesName: named },
    { name: 'GraphQL propose a liaison', run: gql(() => `mutation { proposeLiaison(input: { displayName: "Newly Proposed", kind: FAITH_LEADER }) { id displayName } }`), expect: { public: 401, partnerOwn: 200, partnerOther: 200, analyst: 403, staff: 200, admin: 200, staffElsewhere: 200 } },
    { name: 'GraphQL change a liaison', run: gql(() => `mutation { updateLiaison(id: "${confirmed}", expectedVersion: 0, input: { languages: ["so"] }) { id } }`), expect: { ...staffOnly(412) } },
    { name: 'GraphQL confirm a liaison', run: gqlFor((r) => `mutation { changeLiaisonStatus(id: "${fresh[`gqlStatus:${r}`]}", expectedVersion: 1, status: CONFIRMED) { status } }`), expect: staffOnly(200) },
    { name: 'GraphQL set roles', run: gql(() => `mutation { setLiaisonLinks(id: "${confirmed}", expectedVersion: 0, input: { events: [{ eventId: "${event.id}", role: SPEAKER }] }) { id } }`), expect: staffOnly(412) },
    { name: 'GraphQL remove a liaison', run: gqlFor((r) => `mutation { removeLiaison(id: "${fresh[`gqlRemove:${r}`]}", expectedVersion: 1) }`), expect: staffOnly(200) },
    { name: 'GraphQL erase a liaison', run: gqlFor((r) => `mutation { eraseLiaison(id: "${fresh[`gqlErase:${r}`]}") }`), expect: { ...adminOnly(200), staffElsewhere: 403 } },
    { name: 'GraphQL liaison reach', run: gql(() => '{ liaisonReach { threshold areas { areaId meetings suppressed } } }'), expect: insight },
  ]

  const violations: string[] = []
  let cells = 0
  for (const op of ops) {
    for (const role of roles) {
      const { status, body } = await op.run(headers[role], role)
      cells++
      if (status !== op.expect[role]) violations.push(`${op.name} as ${role}: got ${status}, policy says ${op.expect[role]}: ${body.slice(0, 200)}`)
      const ok = status < 300
      if (body.includes(canary.email) !== Boolean(ok && op.seesContact?.includes(role))) violations.push(`${op.name} as ${role}: the contact ${body.includes(canary.email) ? 'leaked' : 'is missing'}`)
      if (body.includes(canary.name) && !(ok && op.seesName?.includes(role))) violations.push(`${op.name} as ${role}: the name leaked`)
    }
  }
  t.same(violations, [], `${cells} role × operation cells, ${violations.length} violations`)
  t.comment(`${roles.length} roles × ${ops.length} operations: ${cells} cells, ${violations.length} violations`)
})
