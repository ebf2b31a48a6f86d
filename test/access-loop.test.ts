// Every role × every loop operation, REST and GraphQL, against one written policy; the test counts violations.
// Analysts (decided here): they may list and read their agency's feedback de-identified (redacted body, no participant
// link, no contact) and search only published text; they may not submit, triage, moderate or read history.
import t from 'tap'
import { accessRoles, roles, type Role } from './helpers/access-roles.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'


t.test('when every role tries every loop operation, then each answer is the one the access policy gives', async (t) => {
  const { app } = await build(t)
  const { staff, post, headers } = await accessRoles(app)
  const event = await post('/v1/events', eventBody())
  // A partner-collected private item whose giver left contact details, and a published one.
  const collected = await post('/v1/feedback', { body: 'Collected at our block party: canary-body call 555-201-4477', language: 'en', topic: 'community_safety', eventId: event.id, contact: { email: 'canary-contact@example.org', consentToContact: true } }, headers.partnerOwn)
  const published = await post('/v1/feedback', { agency: 'metro', body: 'Potholes on Oak', language: 'en', topic: 'other', publish: true }, {})
  await post(`/v1/feedback/${published.id}/moderation`, { action: 'publish' }, { ...staff, 'if-match': '"1"' })
  const draftDecision = await post('/v1/decisions', { title: { en: 'Draft decision' }, feedbackIds: [collected.id] })
  const publicDecision = await post('/v1/decisions', { title: { en: 'Public decision' }, publication: 'published', feedbackIds: [published.id] })
  const report = await post('/v1/report-backs', { decisionId: publicDecision.id, channel: 'website', relayedAt: '2026-06-01T10:00:00Z' })
  const any = { 'if-match': '*' }

  type Op = { name: string; run: (h: Record<string, string>) => Promise<{ status: number; body: string }>; expect: Record<Role, number> }
  const rest = (method: string, url: string | (() => string | Promise<string>), payload?: unknown, extra: Record<string, string> = {}) => async (h: Record<string, string>) => {
    const res = await app.inject({ method: method as 'GET', url: typeof url === 'function' ? await url() : url, headers: { ...h, ...extra }, ...(payload !== undefined ? { payload: payload as never } : {}) })
    return { status: res.statusCode, body: res.body }
  }
  const codes: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, FEEDBACK_NOT_FOUND: 404, DECISION_NOT_FOUND: 404, REPORT_BACK_NOT_FOUND: 404, TOPIC_NOT_FOUND: 404, VALIDATION_FAILED: 400, CONFLICT: 409, INVALID_TRANSITION: 409 }
  const gql = (query: string | (() => string | Promise<string>)) => async (h: Record<string, string>) => {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: { ...h, 'content-type': 'application/json' }, payload: { query: typeof query === 'function' ? await query() : query } })
    const code = res.json().errors?.[0]?.extensions?.code as string | undefined
    return { status: code ? (codes[code] ?? 500) : 200, body: res.body }
  }
  const all = (status: number): Record<Role, number> => Object.fromEntries(roles.map((r) => [r, status])) as Record<Role, number>
  const staffOnly = (ok: number, elsewhere = ok): Record<Role, number> => ({ public: 401, partnerOwn: 403, partnerOther: 403, analyst: 403, staff: ok, admin: ok, staffElsewhere: elsewhere })
  // Each write gets a fresh item, so one role's success does not change what the next one sees.
  const freshItem = async () => (await post('/v1/feedback', { body: 'Fresh', language: 'en', topic: 'other', publish: true })).id as string
  const ownOnly = { public: 404, partnerOwn: 200, partnerOther: 404, analyst: 200, staff: 200, admin: 200, staffElsewhere: 404 }

  const ops: Op[] = [
    { name: 'REST list topics', run: rest('GET', '/v1/topics?agency=metro'), expect: all(200) },
    { name: 'REST add a topic', run: rest('POST', '/v1/topics', { code: 'new_topic', label: { en: 'New' } }, { 'idempotency-key': 'same-key' }), expect: { ...staffOnly(403), admin: 201, staffElsewhere: 403 } },
    { name: 'REST retire a standard topic', run: rest('POST', '/v1/topics/policy/retire'), expect: staffOnly(403) },
    { name: 'REST list feedback', run: rest('GET', '/v1/feedback'), expect: all(200) },
    { name: 'REST read partner-collected private feedback', run: rest('GET', `/v1/feedback/${collected.id}`), expect: ownOnly },
    { name: 'REST read published feedback', run: rest('GET', `/v1/feedback/${published.id}`), expect: all(200) },
    { name: 'REST submit feedback', run: rest('POST', '/v1/feedback', { agency: 'metro', body: 'Hello', language: 'en', topic: 'other' }), expect: { public: 201, partnerOwn: 201, partnerOther: 201, analyst: 403, staff: 201, admin: 201, staffElsewhere: 400 } },
    { name: 'REST classify feedback', run: rest('PATCH', `/v1/feedback/${collected.id}`, { stance: 'neutral' }, any), expect: staffOnly(200, 404) },
    { name: 'REST move feedback', run: rest('POST', async () => `/v1/feedback/${await freshItem()}/transitions`, { to: 'acknowledged' }, any), expect: staffOnly(200, 404) },
    { name: 'REST moderate feedback', run: rest('POST', async () => `/v1/feedback/${await freshItem()}/moderation`, { action: 'publish' }, any), expect: staffOnly(200, 404) },
    { name: 'REST feedback history', run: rest('GET', `/v1/feedback/${collected.id}/history`), expect: staffOnly(200, 404) },
    { name: 'REST list decisions', run: rest('GET', '/v1/decisions'), expect: all(200) },
    { name: 'REST read a draft decision', run: rest('GET', `/v1/decisions/${draftDecision.id}`), expect: { ...all(404), staff: 200, admin: 200 } },
    { name: 'REST read a published decision', run: rest('GET', `/v1/decisions/${publicDecision.id}`), expect: all(200) },
    { name: 'REST record a decision', run: rest('POST', '/v1/decisions', { title: { en: 'D' } }), expect: staffOnly(201) },
    { name: 'REST change a decision', run: rest('PATCH', `/v1/decisions/${draftDecision.id}`, { decidedBy: 'Chief' }, any), expect: staffOnly(200, 404) },
    { name: 'REST add progress', run: rest('POST', `/v1/decisions/${draftDecision.id}/updates`, { status: 'proposed', on: '2026-05-01' }, any), expect: staffOnly(200, 404) },
    { name: 'REST list report-backs', run: rest('GET', '/v1/report-backs'), expect: all(200) },
    { name: 'REST read a report-back', run: rest('GET', `/v1/report-backs/${report.id}`), expect: all(200) },
    { name: 'REST record a report-back', run: rest('POST', '/v1/report-backs', { decisionId: publicDecision.id, channel: 'website', relayedAt: '2026-06-02T10:00:00Z' }), expect: staffOnly(201, 400) },
    { name: 'GraphQL topics', run: gql('{ topics(agency: "metro") { vocabularyVersion } }'), expect: all(200) },
    { name: 'GraphQL read partner-collected private feedback', run: gql(`{ feedbackItem(id: "${collected.id}") { id } }`), expect: ownOnly },
    { name: 'GraphQL submit feedback', run: gql('mutation { submitFeedback(input: { agency: "metro", body: "Hi", language: "en", topic: "other" }) { feedback { id } } }'), expect: { public: 200, partnerOwn: 200, partnerOther: 200, analyst: 403, staff: 200, admin: 200, staffElsewhere: 400 } },
    { name: 'GraphQL move feedback', run: gql(async () => `mutation { transitionFeedback(id: "${await freshItem()}", expectedVersion: 1, input: { to: UNDER_REVIEW }) { status } }`), expect: staffOnly(200, 404) },
    { name: 'GraphQL history', run: gql(`{ feedbackHistory(id: "${collected.id}") { to } }`), expect: staffOnly(200, 404) },
    { name: 'GraphQL read a draft decision', run: gql(`{ decision(id: "${draftDecision.id}") { id } }`), expect: { ...all(404), staff: 200, admin: 200 } },
    { name: 'GraphQL record a decision', run: gql('mutation { recordDecision(input: { title: [{ language: "en", text: "G" }] }) { decision { id } } }'), expect: staffOnly(200) },
    { name: 'GraphQL record a report-back', run: gql(`mutation { recordReportBack(input: { decisionId: "${publicDecision.id}", channel: WEBSITE, relayedAt: "2026-06-03T10:00:00Z" }) { reportBack { id } } }`), expect: staffOnly(200, 400) },
  ]

  const violations: string[] = []
  let cells = 0
  for (const op of ops) {
    for (const role of roles) {
      const { status, body } = await op.run(headers[role])
      cells++
      if (status !== op.expect[role]) violations.push(`${op.name} as ${role}: got ${status}, policy says ${op.expect[role]}: ${body.slice(0, 200)}`)
    }
  }

  // Personal data: the giver's contact never leaves through these doors; the link to them only to the agency's staff;
  // the original text of private feedback only to staff and the collecting partner.
  const seesLink: Record<Role, boolean> = { public: false, partnerOwn: false, partnerOther: false, analyst: false, staff: true, admin: true, staffElsewhere: false }
  // Analysts read the text de-identified (contact details redacted); only staff and the collector see it as given.
  const seesBody: Record<Role, boolean> = { public: false, partnerOwn: true, partnerOther: false, analyst: true, staff: true, admin: true, staffElsewhere: false }
  const seesOriginal: Record<Role, boolean> = { ...seesBody, analyst: false }
  const reads = [
    rest('GET', '/v1/feedback'),
    rest('GET', `/v1/feedback/${collected.id}`),
    rest('GET', '/v1/feedback?updatedSince=2020-01-01T00:00:00Z'),
    gql('{ feedback { nodes { body participantId anonymous organizationId } } }'),
    gql(`{ event(id: "${event.id}") { feedback { nodes { body participantId } } } }`),
    gql(`{ decisions { nodes { feedback { nodes { body participantId } } } } }`),
  ]
  for (const role of roles) {
    for (const read of reads) {
      const { body } = await read(headers[role])
      cells++
      if (body.includes('canary-contact')) violations.push(`contact leaked to ${role}: ${body.slice(0, 160)}`)
      if (!seesOriginal[role] && body.includes('555-201-4477')) violations.push(`the phone number in private text leaked to ${role}`)
      if (!seesBody[role] && body.includes('canary-body')) violations.push(`private text leaked to ${role}`)
      const linked = /"participantId":"[0-9a-f-]{36}"/.test(body)
      if (linked && !seesLink[role]) violations.push(`participant link leaked to ${role}`)
    }
    // Those who may, do see it (so the checks above can fail).
    const { body } = await rest('GET', `/v1/feedback/${collected.id}`)(headers[role])
    if (seesBody[role] !== body.includes('canary-body')) violations.push(`${role} ${seesBody[role] ? 'cannot see' : 'sees'} the collected text`)
    if (seesLink[role] !== /"participantId":"[0-9a-f-]{36}"/.test(body)) violations.push(`${role} ${seesLink[role] ? 'cannot see' : 'sees'} the participant link`)
  }
  // Analysts read it de-identified: the redacted text, no link.
  const analystView = JSON.parse((await rest('GET', `/v1/feedback/${collected.id}`)(headers.analyst)).body)
  t.match(analystView.body, /\[phone removed\]/, 'analysts see a redacted body')
  t.same(violations, [], `${cells} role × operation cells, ${violations.length} violations`)
  t.comment(`${roles.length} roles × ${ops.length + reads.length + 1} operations: ${cells} cells, ${violations.length} violations`)
})
