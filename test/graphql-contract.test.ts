// Contract: the server runs exactly schema.graphql, its enums are the services' values, and every field resolves.
import { readFileSync } from 'node:fs'
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  lexicographicSortSchema,
  printSchema,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql'
import t from 'tap'
import { subscribe, subscriber } from './helpers/subscriber.ts'
import { prioritySorts } from '../src/modules/priorities/priorities-schemas.ts'
import { contactFlags, contactKinds, liaisonKinds, liaisonRoles, liaisonStatuses } from '../src/db/schema/index.ts'
import { ageBands, attendanceRoles, attendanceStatuses, disabilityStatuses, faiths, genders, incomeBands, occupations, raceEthnicities, sexualOrientations } from '../src/db/schema/index.ts'
import { contactVisibilities } from '../src/modules/participants/participant-view.ts'
import { consentFilters, contactPurposes } from '../src/modules/participants/participants-schemas.ts'
import {
  accommodations,
  areaKinds,
  decisionStatuses,
  eventFormats,
  eventKinds,
  eventStatuses,
  feedbackChannels,
  feedbackStatuses,
  feedbackVisibilities,
  organizationKinds,
  partnershipStatuses,
  announcementChannels,
  announcementKinds,
  announcementStatuses,
  priorityModerations,
  priorityProposers,
  priorityStatuses,
  publicationStates,
  reportBackAudiences,
  reportBackChannels,
  seriesStatuses,
  stances,
  webhookDeliveryStatuses,
  webhookSubscriptionStatuses,
} from '../src/db/schema/index.ts'
import { graphqlSchemaPath, QUERY_DEPTH_LIMIT } from '../src/http/graphql/graphql-plugin.ts'
import { createAgenciesRepository } from '../src/modules/agencies/agencies-repository.ts'
import { suppressionReasons } from '../src/modules/insights/suppression.ts'
import { cycles } from '../src/modules/insights/community-trust.ts'
import { feedResourceTypes } from '../src/modules/changes/changes-service.ts'
import { bearer } from './helpers/auth.ts'
import { dateAfterNow, TEST_NOW } from './helpers/clock.ts'
import { addOnlineSurveys, insightStory } from './helpers/insights-data.ts'
import { loopData } from './helpers/loop-data.ts'
import { build } from './helpers/build.ts'
import { startReceiver } from './helpers/webhook-receiver.ts'
import { createWebhooksRepository } from '../src/modules/webhooks/webhooks-repository.ts'
import { eventBody } from './helpers/fixtures.ts'

const contract = buildSchema(readFileSync(graphqlSchemaPath, 'utf8'))
const printed = (schema: GraphQLSchema) => printSchema(lexicographicSortSchema(schema))

t.test('when the running schema is compared with schema.graphql, then they are the same', async (t) => {
  const { app } = await build(t)
  t.equal(printed(app.graphql.schema), printed(contract), 'the schema mercurius runs')
  // What clients see through introspection (descriptions included) is the file too.
  // Signed in, as a partner's tool might be (the public may introspect too: graphql-introspection.test.ts).
  const res = await app.inject({ method: 'POST', url: '/graphql', headers: await bearer({ role: 'analyst' }), payload: { query: getIntrospectionQuery({ descriptions: true, schemaDescription: true }) } })
  t.equal(res.statusCode, 200)
  t.equal(printed(buildClientSchema(res.json().data)), printed(contract), 'the schema introspection shows')
})

t.test('when a client reads the schema, then it learns of the rate limits and which errors come with Retry-After', async (t) => {
  t.match(contract.description, /RATE_LIMITED with `extensions.retryAfterSeconds`/, 'the header names RATE_LIMITED and how long to wait')
  t.match(contract.description, /OVERLOADED[^.]*DATABASE_UNAVAILABLE[^.]*`Retry-After` header/, 'and the 503 codes that come with Retry-After')
  const submit = contract.getMutationType()!.getFields().submitFeedback!
  t.match(submit.description, /Rate-limited[\s\S]*RATE_LIMITED/, 'submitFeedback says it is rate-limited')
})

t.test('when the schema enums are compared with the services values, then each is the upper-case list', async (t) => {
  const expected: Record<string, readonly string[]> = {
    EventKind: eventKinds,
    EventStatus: eventStatuses,
    EventFormat: eventFormats,
    Accommodation: accommodations,
    AreaKind: areaKinds,
    SeriesStatus: seriesStatuses,
    OrganizationKind: organizationKinds,
    PartnershipStatus: partnershipStatuses,
    ContactPurpose: contactPurposes,
    ContactVisibility: contactVisibilities,
    AttendanceRole: attendanceRoles,
    AttendanceStatus: attendanceStatuses,
    ConsentKind: consentFilters,
    AgeBand: ageBands,
    Gender: genders,
    RaceEthnicity: raceEthnicities,
    SexualOrientation: sexualOrientations,
    Faith: faiths,
    DisabilityStatus: disabilityStatuses,
    IncomeBand: incomeBands,
    Occupation: occupations,
    SuppressionReason: suppressionReasons,
    FeedbackChannel: feedbackChannels,
    Stance: stances,
    FeedbackVisibility: feedbackVisibilities,
    FeedbackStatus: feedbackStatuses,
    ModerationAction: ['publish', 'withhold'],
    DecisionStatus: decisionStatuses,
    Publication: publicationStates,
    ReportBackChannel: reportBackChannels,
    ReportBackAudience: reportBackAudiences,
    ChangeResourceType: feedResourceTypes,
    WebhookSubscriptionStatus: webhookSubscriptionStatuses,
    WebhookDeliveryStatus: webhookDeliveryStatuses,
    PriorityStatus: priorityStatuses,
    PriorityProposer: priorityProposers,
    PriorityModeration: priorityModerations,
    PrioritySort: prioritySorts,
    AnnouncementKind: announcementKinds,
    AnnouncementChannel: announcementChannels,
    AnnouncementStatus: announcementStatuses,
    LiaisonKind: liaisonKinds,
    LiaisonStatus: liaisonStatuses,
    LiaisonDecision: ['confirmed', 'declined'],
    LiaisonRole: liaisonRoles,
    SurveyCycle: cycles,
    ReliabilityTier: ['withheld', 'flagged', 'reliable'],
    MarginsBasis: ['own', 'sub_areas', 'ancestor', 'none'],
    ContactKind: contactKinds,
    TrustContactKind: [...contactKinds, 'none'],
    ContactFlag: contactFlags,
  }
  const enums = Object.values(contract.getTypeMap()).filter((type) => isEnumType(type) && !type.name.startsWith('__'))
  t.same(enums.map((e) => e.name).sort(), Object.keys(expected).sort(), 'every enum maps service values')
  for (const [name, values] of Object.entries(expected)) {
    const type = contract.getType(name)
    t.ok(isEnumType(type))
    if (isEnumType(type)) t.same(type.getValues().map((v) => v.name), values.map((v) => v.toUpperCase()), name)
  }
})

/**
 * Selects every field of a type found `depth` levels deep, descending into object fields not already on the
 * path (so cycles end) while within the depth limit.
 */
// The loop's relations from events are selected from the loop's own queries: from every event they would pass the cost limit.
const loopRoots = ['Query.followUp', 'Query.topics', 'Query.feedback', 'Query.feedbackItem', 'Query.feedbackHistory', 'Query.decisions', 'Query.decision', 'Query.reportBacks', 'Query.reportBack', 'Query.changes', 'Subscription.feedbackChanged', 'Subscription.decisionChanged', 'Subscription.reportBackChanged']
const loopFromEvents = new Set(['Event.feedback', 'Event.decisions'])

function selectAll(type: GraphQLObjectType, path: string[], depth: number): string {
  const fields = Object.values(type.getFields()).map((field) => {
    const target = getNamedType(field.type)
    if (isLeafType(target)) return field.name
    const key = `${type.name}.${field.name}`
    if (path.includes(key) || depth + 1 > QUERY_DEPTH_LIMIT) return null
    if (loopFromEvents.has(key) && !loopRoots.includes(path[0]!)) return null
    // From the loop's roots, one hop back into the loop is enough to give every field a value.
    if (loopRoots.includes(path[0]!) && path.length > 3) return null
    const inner = selectAll(target as GraphQLObjectType, [...path, key], depth + 1)
    return inner ? `${field.name} { ${inner} }` : null
  })
  return fields.filter(Boolean).join(' ')
}

/** Records, for every object type field, whether the response gave it a value (not null, not missing). */
function recordValues(type: GraphQLOutputType, value: unknown, seen: Map<string, boolean>, problems: string[], where: string) {
  if (value === null || value === undefined) return
  if (isNonNullType(type)) return recordValues(type.ofType, value, seen, problems, where)
  if (isListType(type)) {
    ;(value as unknown[]).forEach((item, i) => recordValues(type.ofType, item, seen, problems, `${where}[${i}]`))
    return
  }
  if (!isObjectType(type)) return
  for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
    const key = `${type.name}.${field.name}`
    const object = value as Record<string, unknown>
    if (!(field.name in object)) continue // not selected at this depth
    if (object[field.name] === undefined) problems.push(`${where}.${field.name} is undefined`)
    if (object[field.name] !== null) seen.set(key, true)
    else if (!seen.has(key)) seen.set(key, false)
    recordValues(field.type, object[field.name], seen, problems, `${where}.${field.name}`)
  }
}

t.test('when every field of every type is selected over real data, then each resolves with no error', async (t) => {
  // Webhook receivers on 127.0.0.1 (the SSRF guard's development switches), so deliveries have every field.
  const { app, database, fixtures } = await build(t, { env: { WEBHOOKS_ALLOW_HTTP: 'true', WEBHOOKS_ALLOW_LOOPBACK: 'true' } })
  const staff = await bearer()
  // Reference data with a parent area and a boundary, which the fixtures leave out.
  const beat = await createAgenciesRepository(database.db).insertArea({
    agencyId: fixtures.metro.id,
    code: 'D1-B1',
    name: 'Beat 1',
    kind: 'beat',
    parentId: fixtures.areas.north.id,
    boundary: { type: 'Polygon', coordinates: [[[-74, 40.7], [-73.9, 40.7], [-73.9, 40.8], [-74, 40.7]]] },
  })
  // An area change through the API, so the change feed has an area to carry.
  const renamedBeat = await app.inject({ method: 'PATCH', url: `/v1/agencies/metro/areas/${beat.id}`, headers: { ...(await bearer({ role: 'admin' })), 'if-match': '*' }, payload: { name: 'Beat 1 (Riverside)', population: { source: 'ACS 2023 5-year', margins: { gender: { woman: 2100, man: 1900 } } } } })
  t.equal(renamedBeat.statusCode, 200, renamedBeat.body)

  const venue = { name: 'Corner Café', address: { street: '12 Main St', locality: 'Metro', region: 'NY', postalCode: '10001', country: 'US' }, geo: { latitude: 40.75, longitude: -73.99 } }
  const online = { joinUrl: 'https://meet.example.org/a', dialIn: { number: '+1 555 0100', accessCode: '42' }, captionsUrl: 'https://captions.example.org/a' }
  const template = {
    title: [
      { language: 'en', text: 'Advisory board' },
      { language: 'es', text: 'Consejo asesor' },
    ],
    description: [{ language: 'en', text: 'Monthly meeting of the community advisory board.' }],
    kind: 'ADVISORY_BOARD',
    format: 'HYBRID',
    venue,
    areaId: beat.id,
    online,
    languages: ['en', 'es'],
    interpretation: ['ase'],
    accommodations: ['STEP_FREE_ACCESS', 'LIVE_CAPTIONING'],
    capacity: 60,
    registrationRequired: true,
    hostUnit: 'Community Affairs',
    topics: ['policy'],
  }
  const allSeriesFields = selectAll(contract.getType('Series') as GraphQLObjectType, ['Mutation.createSeries'], 2)
  const series = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: staff,
    payload: {
      query: `mutation ($input: CreateSeriesInput!) { createSeries(input: $input, idempotencyKey: "board") { replayed series { ${allSeriesFields} } } }`,
      variables: {
        input: {
          ...template,
          recurrence: { rule: 'FREQ=MONTHLY;BYDAY=2TU;COUNT=3', start: '2027-01-12T18:30', durationMinutes: 90, exceptions: ['2027-03-09T18:30'] },
          rotation: [{ venue, areaId: fixtures.areas.south.id, online }],
          overrides: [{ occurrence: '2027-02-09T18:30', start: '2027-02-10T18:30', durationMinutes: 60, format: 'HYBRID', venue, areaId: beat.id, online, cancelled: false }],
        },
      },
    },
  })
  t.equal(series.statusCode, 200)
  t.same(series.json().errors, undefined, 'createSeries with every Series field')
  const seriesId = series.json().data.createSeries.series.id

  // A partner organization with every field set (staff see its contact), to co-host the event below.
  const organization = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: staff,
    payload: {
      query: `mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { replayed organization { ${selectAll(contract.getType('Organization') as GraphQLObjectType, ['Mutation.createOrganization'], 2)} } } }`,
      variables: { input: { name: 'Eastside Neighbours', kind: 'NEIGHBOURHOOD_ASSOCIATION', areaIds: [beat.id], languages: ['en', 'es'], contact: { name: 'Ana', email: 'ana@example.org', phone: '+1 555 0100' }, partnershipStatus: 'ACTIVE' } },
    },
  })
  t.same(organization.json().errors, undefined, 'createOrganization with every Organization field')
  const organizationId = organization.json().data.createOrganization.organization.id

  // A credential that has been used and then revoked, so every ApiClient field has a value.
  const admin = await bearer({ role: 'admin' })
  const credential = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: admin,
    payload: { query: `mutation ($org: ID!) { createApiClient(organizationId: $org, name: "Sync") { clientSecret apiClient { id clientId } } }`, variables: { org: organizationId } },
  })
  t.same(credential.json().errors, undefined, 'createApiClient')
  const { clientSecret, apiClient } = credential.json().data.createApiClient
  const exchanged = await app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `grant_type=client_credentials&client_id=${apiClient.clientId}&client_secret=${clientSecret}` })
  t.equal(exchanged.statusCode, 200)
  const revoked = await app.inject({ method: 'POST', url: '/graphql', headers: admin, payload: { query: `mutation ($id: ID!) { revokeApiClient(id: $id) { id revokedAt } }`, variables: { id: apiClient.id } } })
  t.same(revoked.json().errors, undefined, 'revokeApiClient')

  // A standalone event with every field set, then postponed so it has a status reason.
  const scheduled = (
    await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: staff,
      payload: {
        query: `mutation ($input: ScheduleEventInput!) { scheduleEvent(input: $input) { replayed event { id version } } }`,
        variables: { input: { ...template, coHostIds: [organizationId], startsAt: '2027-05-11T18:30:00-04:00', endsAt: '2027-05-11T20:00:00-04:00' } },
      },
    })
  ).json()
  t.same(scheduled.errors, undefined)
  const { id, version } = scheduled.data.scheduleEvent.event
  const postponed = await app.inject({ method: 'POST', url: '/graphql', headers: staff, payload: { query: `mutation { postponeEvent(id: "${id}", expectedVersion: ${version}, reason: "Room flooded") { id } }` } })
  t.same(postponed.json().errors, undefined)

  // Participants, attendance and surveys: a participant with every field set, registrations in every state, a head
  // count, a survey response, and an erased participant (a tombstone).
  const gql = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = admin) => {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } })
    t.same(res.json().errors, undefined, query.slice(0, 60))
    return res.json()
  }
  const all = (type: string, field: string) => selectAll(contract.getType(type) as GraphQLObjectType, [`Mutation.${field}`], 2)
  // The agency's public contact, every part given, through the admin mutation.
  const profile = await gql(`mutation ($input: UpdateAgencyInput!) { updateAgency(agency: "metro", input: $input, expectedVersion: 1) { ${all('Agency', 'updateAgency')} } }`, {
    input: { contact: { email: 'community@metro.example.gov', phone: '+1 555 0199', url: 'https://metro.example.gov/community', address: '1 Police Plaza, Metro' } },
  })
  t.equal(profile.data.updateAgency.version, 2)
  const operator = await bearer({ role: 'operator', agency: 'platform' })
  const agencyMade = await gql(`mutation ($input: CreateAgencyInput!) { createAgency(input: $input) { replayed agency { ${all('Agency', 'createAgency')} } } }`, {
    input: { slug: 'riverside', name: 'Riverside PD', jurisdiction: 'Riverside', timeZone: 'America/Chicago', defaultLanguage: 'en', supportedLanguages: ['en'] },
  }, operator)
  const made = await gql(`mutation ($input: CreateAreaInput!) { createArea(agency: "metro", input: $input) { replayed area { ${all('Area', 'createArea')} } } }`, {
    input: { code: 'TMP', name: 'Temporary', kind: 'NEIGHBOURHOOD', parentId: beat.id, boundary: { type: 'Polygon', coordinates: [[[-74, 40.7], [-73.95, 40.7], [-73.95, 40.75], [-74, 40.7]]] } },
  })
  const areaRemoved = await gql(`mutation { removeArea(agency: "metro", id: "${made.data.createArea.area.id}", expectedVersion: 1) { id removed } }`)
  const person = await gql(`mutation ($input: CreateParticipantInput!) { createParticipant(input: $input) { replayed participant { ${all('Participant', 'createParticipant')} } } }`, {
    input: { displayName: 'Mai', contact: { email: 'mai@example.org', phone: '+1 555 0111' }, preferredLanguage: 'vi', consents: { contact: true, dataUse: true }, areaId: beat.id, affiliation: 'Tenants union', organizationId },
  })
  const personId = person.data.createParticipant.participant.id
  await gql(`mutation { withdrawConsent(id: "${personId}", expectedVersion: 1, dataUse: true) { id } }`)
  const gathering = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: { title: { en: 'Gathering' }, kind: 'town_hall', format: 'in_person', venue, capacity: 1, registrationRequired: true, startsAt: '2027-06-01T18:00:00-04:00', endsAt: '2027-06-01T19:00:00-04:00' } })).json()
  const registered = await gql(`mutation { registerForEvent(eventId: "${gathering.id}", participantId: "${personId}", role: SPEAKER) { replayed registration { ${all('Registration', 'registerForEvent')} } } }`)
  await gql(`mutation { registerForEvent(eventId: "${gathering.id}", self: { displayName: "Kim" }) { registration { id } } }`, {}, {})
  const leaving = await gql(`mutation { registerForEvent(eventId: "${gathering.id}", self: { displayName: "Lee" }) { registration { id version } } }`, {}, {})
  await gql(`mutation { cancelRegistration(id: "${leaving.data.registerForEvent.registration.id}", expectedVersion: 1) { id } }`)
  await gql(`mutation { checkIn(eventId: "${gathering.id}", participantId: "${personId}") { id } }`)
  const counted = await gql(`mutation { recordHeadCount(eventId: "${gathering.id}", count: 40, countedAt: "2027-06-01T18:30:00-04:00", note: "Hall") { ${all('HeadCount', 'recordHeadCount')} } }`)
  const held = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: { title: { en: 'Held' }, kind: 'town_hall', format: 'in_person', venue: { name: 'Hall' }, startsAt: `${dateAfterNow(-3)}T18:00:00-04:00`, endsAt: `${dateAfterNow(-3)}T19:00:00-04:00` } })).json()
  const heldCheckIn = await gql(`mutation { checkIn(eventId: "${held.id}", participantId: "${personId}") { ${all('Registration', 'checkIn')} } }`)
  const surveyToken = heldCheckIn.data.checkIn.surveyToken
  const answered = await gql(`mutation ($token: String) { submitSurveyResponse(eventId: "${held.id}", input: { token: $token, dignity: 5, voice: 4, neutrality: 3, trust: 4, language: "es" }) { ${all('SurveyResponse', 'submitSurveyResponse')} } }`, { token: surveyToken }, {})
  const gone = (await gql(`mutation { createParticipant(input: { displayName: "Gone" }) { participant { id } } }`)).data.createParticipant.participant.id
  await gql(`mutation { eraseParticipant(id: "${gone}") { id } }`)
  const withPurpose = await gql(`{ participant(id: "${personId}") { contact(purpose: REPORT_BACK) { visibility email phone } } }`)
  // Engagement rows for insights, with figures both shown and withheld.
  await insightStory(database, fixtures.metro.id, { north: fixtures.areas.north.id, south: fixtures.areas.south.id })
  // Community trust raked (north's margins) and shown (a quarter above the default withheld tier of 30).
  await database.raw(`update areas set population = $1 where id = $2`, [JSON.stringify({ source: 'test', margins: { language: { en: 60, es: 40 } } }), fixtures.areas.north.id])
  await addOnlineSurveys(database, fixtures.metro.id, 35, { areaId: fixtures.areas.north.id, topic: 'community_safety', givenAt: new Date(Date.parse(TEST_NOW) - 116 * 86_400_000).toISOString() })
  // Benchmarks: a norm table with every item, and pooling on with it as the agency's reference.
  const shares = [{ value: 1, share: 0.1 }, { value: 2, share: 0.1 }, { value: 3, share: 0.2 }, { value: 4, share: 0.3 }, { value: 5, share: 0.3 }]
  const normInput = { name: 'Contract survey', source: { citation: 'Contract Institute, Table 1', url: 'https://example.org/contract' }, period: { from: '2025-01-01', to: '2025-06-30' }, items: ['pj.dignity', 'pj.voice', 'pj.neutrality', 'pj.trust'].map((code) => ({ code, mean: 3.6, scale: { min: 1, max: 5 }, n: 1000, distribution: shares })) }
  const normMade = await gql(`mutation ($input: NormTableInput!) { importNormTable(input: $input) { ${all('NormTable', 'importNormTable')} } }`, { input: normInput })
  const normId = normMade.data.importNormTable.id as string
  const pooling = await gql(`mutation { changePoolingSetting(input: { enabled: true, normTable: "${normId}" }) { ${all('PoolingSetting', 'changePoolingSetting')} } }`)
  const loop = await loopData(app, { eventId: id, organizationId, areaId: beat.id })
  // Shared priorities: one with every link, one a partner proposed and endorsed with a note, one declined with a reason.
  const partnerToken = await bearer({ role: 'partner', sub: 'contract-partner', claims: { org: organizationId } })
  const priorityFields = all('Priority', 'proposePriority')
  const linkedPriority = await gql(`mutation ($input: ProposePriorityInput!) { proposePriority(input: $input, idempotencyKey: "p-1") { replayed priority { ${priorityFields} } } }`, {
    input: { statement: [{ language: 'en', text: 'Safer routes to school' }, { language: 'so', text: 'Waddooyin badbaado leh' }], areaIds: [beat.id], topics: ['community_safety'], feedbackIds: [loop.feedbackId], decisionIds: [loop.decisionId], reportBackIds: [loop.reportBackId] },
  })
  const partnerPriority = await gql(`mutation { proposePriority(input: { statement: [{ language: "en", text: "Youth hours" }] }) { priority { id } } }`, {}, partnerToken)
  const endorsed = await gql(`mutation ($id: ID!) { endorsePriority(id: $id, input: { note: [{ language: "en", text: "We back this" }] }) { ${priorityFields} } }`, { id: partnerPriority.data.proposePriority.priority.id }, partnerToken)
  const declined = await gql(`mutation ($id: ID!) { changePriorityStatus(id: $id, expectedVersion: 2, input: { status: DECLINED, reason: [{ language: "en", text: "Not ours to decide" }] }) { ${priorityFields} } }`, { id: partnerPriority.data.proposePriority.priority.id })
  const updated = await gql(`mutation ($id: ID!) { updatePriority(id: $id, expectedVersion: 1, input: { moderation: PUBLISHED }) { id } }`, { id: linkedPriority.data.proposePriority.priority.id })
  // A registrant's own registration: registered with a code, asking for accommodations, and staff reading the requests.
  const meeting = (await app.inject({ method: 'POST', url: '/v1/events', headers: admin, payload: eventBody({ registrationRequired: true }) })).json()
  const selfRegistered = await gql(`mutation ($id: ID!) { registerForEvent(eventId: $id, self: { displayName: "Amina", accommodations: [STEP_FREE_ACCESS] }) { replayed registrationCode surveyToken registration { id accommodations } } }`, { id: meeting.id }, {})
  const code = selfRegistered.data.registerForEvent.registrationCode
  const askedFor = await gql(`mutation ($code: String!) { requestAccommodations(code: $code, input: { accommodations: [SIGN_LANGUAGE_INTERPRETATION], note: "Near the front" }) { id accommodations } }`, { code }, {})
  const ownSeen = await gql(`query ($code: String!) { ownRegistration(code: $code) { id status accommodations } }`, { code }, {})
  const requested = await gql(`query ($id: ID!) { accommodationRequests(eventId: $id) { eventId accommodations { accommodation offered registered waitlisted } notes { registrationId status note } } }`, { id: meeting.id })
  const surveyGrant = await gql(`mutation ($code: String!) { requestSurveyToken(code: $code) { surveyToken eventId closesAt } }`, { code }, {})
  const cancelledOwn = await gql(`mutation ($code: String!) { cancelOwnRegistration(code: $code) { id status } }`, { code }, {})
  // Announcements: one with every field (expiring, reached, then withdrawn), read back as staff.
  const announcementFields = all('Announcement', 'createAnnouncement')
  const announced = await gql(`mutation ($input: CreateAnnouncementInput!) { createAnnouncement(input: $input) { replayed announcement { ${announcementFields} } } }`, {
    input: { kind: 'REPORT_BACK', title: [{ language: 'en', text: 'Patrols start Monday' }], body: [{ language: 'en', text: 'You asked; we did.' }], languages: ['en', 'so'], channels: ['SMS', 'WEB'], areaIds: [beat.id], organizationIds: [organizationId], eventIds: [id], decisionIds: [loop.decisionId], reportBackIds: [loop.reportBackId], expiresAt: new Date(Date.parse(TEST_NOW) + 30 * 86_400_000).toISOString() },
  })
  const announcementId = announced.data.createAnnouncement.announcement.id
  const reachedOut = await gql(`mutation ($id: ID!) { reportAnnouncementReach(id: $id, channel: SMS, count: 12) { ${announcementFields} } }`, { id: announcementId })
  const correctedAnnouncement = await gql(`mutation ($id: ID!) { updateAnnouncement(id: $id, expectedVersion: 2, input: { channels: [SMS, WEB, PRINT] }) { ${announcementFields} } }`, { id: announcementId })
  const draftAnnouncement = await gql(`mutation { createAnnouncement(input: { kind: OTHER, title: [{ language: "en", text: "Draft" }], body: [{ language: "en", text: "Later" }], languages: ["en"], channels: [WEB], publish: false }) { announcement { id } } }`)
  const publishedAnnouncement = await gql(`mutation ($id: ID!) { publishAnnouncement(id: $id, expectedVersion: 1) { ${announcementFields} } }`, { id: draftAnnouncement.data.createAnnouncement.announcement.id })
  const withdrawnAnnouncement = await gql(`mutation ($id: ID!) { withdrawAnnouncement(id: $id, reason: "Moved") { ${announcementFields} } }`, { id: announcementId })
  // Community liaisons: one with every field, proposed by a partner, confirmed, with roles in 11 meetings and 11
  // announcements, among 11 confirmed liaisons of the area, so its reach is above the suppression threshold.
  const reachedEvents: string[] = []
  const reachedAnnouncements: string[] = []
  for (let i = 0; i < 11; i++) {
    reachedEvents.push((await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ areaId: beat.id, hostUnit: 'Community Affairs' }) })).json().id)
    reachedAnnouncements.push((await app.inject({ method: 'POST', url: '/v1/announcements', headers: staff, payload: { kind: 'upcoming_meeting', title: { en: `Meeting ${i}` }, body: { en: 'Come along' }, languages: ['en'], channels: ['word_of_mouth'], areaIds: [beat.id] } })).json().id)
  }
  await database.raw(`insert into liaisons (agency_id, kind, status, area_ids, display_name) select $1, 'informal_leader', 'confirmed', array[$2::uuid], 'Neighbour ' || n from generate_series(1, 10) n`, [fixtures.metro.id, beat.id])
  const liaisonFields = all('Liaison', 'proposeLiaison')
  const proposedLiaison = await gql(`mutation ($input: ProposeLiaisonInput!) { proposeLiaison(input: $input) { ${liaisonFields} } }`, {
    input: { displayName: 'Imam Yusuf Hassan', kind: 'FAITH_LEADER', listedByName: true, areaIds: [beat.id], languages: ['so', 'en'], communities: ['Somali community'], organizationIds: [organizationId], contact: { email: 'imam@example.org', phone: '+1 612 555 0199' }, contactConsent: true },
  }, partnerToken)
  const liaisonId = proposedLiaison.data.proposeLiaison.id
  const confirmedLiaison = await gql(`mutation ($id: ID!) { changeLiaisonStatus(id: $id, expectedVersion: 1, status: CONFIRMED) { ${liaisonFields} } }`, { id: liaisonId })
  const linkedLiaison = await gql(`mutation ($id: ID!, $input: LiaisonLinksInput!) { setLiaisonLinks(id: $id, expectedVersion: 2, input: $input) { ${liaisonFields} } }`, {
    id: liaisonId,
    input: { events: reachedEvents.map((eventId) => ({ eventId, role: 'CO_HOST' })), announcementIds: reachedAnnouncements },
  })
  const updatedLiaison = await gql(`mutation ($id: ID!) { updateLiaison(id: $id, expectedVersion: 3, input: { languages: ["so", "en", "ar"] }) { ${liaisonFields} } }`, { id: liaisonId })
  const liaisonContact = await gql(`query ($id: ID!) { liaison(id: $id) { contact(purpose: EVENT_LOGISTICS) { visibility email phone } } }`, { id: liaisonId })
  const goneLiaison = (await gql(`mutation { proposeLiaison(input: { displayName: "Mr. Tran", kind: BUSINESS_OWNER }) { id } }`)).data.proposeLiaison.id
  const removedLiaison = await gql(`mutation ($id: ID!) { removeLiaison(id: $id, expectedVersion: 1) }`, { id: goneLiaison })
  const erasedLiaison = await gql(`mutation { eraseLiaison(id: "${(await gql(`mutation { proposeLiaison(input: { displayName: "Ms. Ortiz", kind: YOUTH_LEADER }) { id } }`)).data.proposeLiaison.id}") }`)
  const liaisonMutations = [proposedLiaison.data, confirmedLiaison.data, linkedLiaison.data, updatedLiaison.data, removedLiaison.data, erasedLiaison.data]
  t.same([proposedLiaison, confirmedLiaison, linkedLiaison, updatedLiaison, liaisonContact, removedLiaison, erasedLiaison].map((r) => r.errors), [undefined, undefined, undefined, undefined, undefined, undefined, undefined], 'liaison operations run')
  const priorityMutations = [linkedPriority.data, endorsed.data, declined.data, updated.data, selfRegistered.data, askedFor.data, cancelledOwn.data, announced.data, reachedOut.data, correctedAnnouncement.data, publishedAnnouncement.data, withdrawnAnnouncement.data]

  // Webhooks: a partner's subscription with every filter, rotated and then disabled; two of the admin's, one whose
  // receiver fails (a pending delivery with its failure) and one whose receiver takes it (a delivered one).
  const hooksPartnerToken = await bearer({ role: 'partner', sub: 'p-hooks', claims: { org: organizationId } })
  const allSubscription = `subscription { ${all('WebhookSubscription', 'createWebhookSubscription')} } secret`
  const partnerHook = await gql(`mutation ($input: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $input) { ${allSubscription} } }`, {
    input: { url: 'https://hooks.example.org/cep', description: 'Calendar sync', eventTypes: ['event.scheduled'], areaIds: [beat.id], organizationIds: [organizationId] },
  }, hooksPartnerToken)
  const partnerHookId = partnerHook.data.createWebhookSubscription.subscription.id
  const rotatedHook = await gql(`mutation { rotateWebhookSecret(id: "${partnerHookId}", overlapSeconds: 600) { ${allSubscription} } }`, {}, hooksPartnerToken)
  await createWebhooksRepository(database.db).disable(partnerHookId, 'Delivery msg_x kept failing for 24 h (last: timeout)', new Date())
  const failing = await startReceiver(t)
  failing.answer(500)
  const taking = await startReceiver(t)
  const failingHook = (await gql(`mutation { createWebhookSubscription(input: { url: "${failing.url}", eventTypes: ["event.scheduled"] }) { subscription { id } } }`)).data.createWebhookSubscription.subscription.id
  const takingHook = (await gql(`mutation { createWebhookSubscription(input: { url: "${taking.url}", eventTypes: ["event.scheduled"] }) { subscription { id } } }`)).data.createWebhookSubscription.subscription.id
  await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: { title: { en: 'Hooked' }, kind: 'town_hall', format: 'in_person', venue, startsAt: `${dateAfterNow(209)}T18:00:00-04:00`, endsAt: `${dateAfterNow(209)}T19:00:00-04:00` } })
  // Dispatched until both are owed `count` (the outbox is read below the oldest transaction on the server, which on a
  // PostgreSQL shared with other test files can take a moment), sending what is due each time.
  const owed = async (count: number) => {
    for (let i = 0; i < 200; i++) {
      for (const hook of await app.services.webhookDelivery.dispatch()) await app.services.webhookDelivery.sendFor(hook)
      const [row] = await database.raw<{ n: number }>('select min(n)::int as n from (select count(*) as n from webhook_deliveries where subscription_id in ($1, $2) group by subscription_id) c', [failingHook, takingHook])
      if ((row?.n ?? 0) >= count && failing.received.length >= 1) return
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  await owed(1)
  await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: { title: { en: 'Hooked again' }, kind: 'town_hall', format: 'in_person', venue, startsAt: `${dateAfterNow(210)}T18:00:00-04:00`, endsAt: `${dateAfterNow(210)}T19:00:00-04:00` } })
  await owed(2)
  const replayedHook = await gql(`mutation { replayWebhookDeliveries(subscriptionId: "${takingHook}", since: "2000-01-01T00:00:00Z") { replayed } }`)
  await app.services.webhookDelivery.sendFor(takingHook)
  const deliverySelection = `{ ${selectAll(contract.getType('WebhookDeliveryPage') as GraphQLObjectType, ['Query.webhookDeliveries'], 1)} }`
  const failedLog = await gql(`{ webhookDeliveries(subscriptionId: "${failingHook}") ${deliverySelection} }`)
  t.equal(failedLog.data.webhookDeliveries.nodes.at(-1)?.lastStatusCode, 500, 'the failing receiver answered 500')

  const query = contract.getQueryType()!
  const selection = (name: string, args = '') => {
    const field = query.getFields()[name]!
    const target = getNamedType(field.type)
    return isLeafType(target) ? `${name}${args}` : `${name}${args} { ${selectAll(target as GraphQLObjectType, [`Query.${name}`], 1)} }`
  }
  // One document per top-level field, so none passes the cost limit (GRAPHQL_LIMITS) however wide the types grow.
  const selections = [
    // Sync reads (updatedSince) where a list has one, so their `removed` resolves too.
    selection('events', '(language: "es", filter: { updatedSince: "2000-01-01T00:00:00Z" })'),
    selection('event', `(id: "${id}")`),
    selection('series'),
    selection('seriesById', `(id: "${seriesId}")`),
    selection('agencies'),
    selection('agency', '(slug: "metro")'),
    selection('organizations'),
    selection('organization', `(id: "${organizationId}")`),
    selection('apiClients', `(organizationId: "${organizationId}")`),
    selection('participants', '(filter: { updatedSince: "2000-01-01T00:00:00Z" })'),
    selection('participant', `(id: "${personId}")`),
    selection('insights', '(agency: "metro", filter: { from: "2026-01-01", to: "2026-12-31" })'),
    selection('topics', '(agency: "metro")'),
    selection('feedback', '(filter: { updatedSince: "2000-01-01T00:00:00Z" })'),
    selection('feedbackItem', `(id: "${loop.feedbackId}")`),
    selection('feedbackHistory', `(id: "${loop.feedbackId}")`),
    selection('decisions', '(filter: { updatedSince: "2000-01-01T00:00:00Z" })'),
    selection('decision', `(id: "${loop.decisionId}")`),
    selection('reportBacks', '(filter: { updatedSince: "2000-01-01T00:00:00Z" })'),
    selection('reportBack', `(id: "${loop.reportBackId}")`),
    selection('webhookSubscriptions'),
    selection('webhookSubscription', `(id: "${partnerHookId}")`),
    // first: 1 over a log of two, so the page has a next cursor.
    selection('webhookDeliveries', `(subscriptionId: "${takingHook}", first: 1)`),
    selection('priorities', '(sort: ENDORSEMENTS, filter: { agency: "metro" })'),
    selection('priority', `(id: "${linkedPriority.data.proposePriority.priority.id}")`),
    selection('followUp', `(code: "${loop.trackingCode}")`),
    selection('announcements'),
    selection('announcement', `(id: "${announcementId}")`),
    selection('liaisons', '(filter: { status: [CONFIRMED] })'),
    selection('liaison', `(id: "${liaisonId}")`),
    selection('liaisonReach'),
    selection('contactSurveyRules'),
    selection('normTables', '(agency: "metro")'),
    selection('normTable', `(id: "${normId}")`),
    selection('poolingSetting'),
    selection('pooledItemAggregates', '(items: ["pj.dignity", "pj.trust"])'),
  ]
  // Community trust placed against the norm table (recorded on its own: the insights above ask without one).
  const againstNorm = await gql(`{ insights(agency: "metro") { communityTrust(norm: "${normId}", contactKinds: [NONE, REPORT_TAKEN]) { ${selectAll(contract.getType('CommunityTrustInsight') as GraphQLObjectType, ['Query.insights', 'Insights.communityTrust'], 2)} } } }`)
  // The change feed one resource field per document (all six at once pass the cost limit); each recorded on its own.
  const entry = contract.getType('ChangeEntry') as GraphQLObjectType
  const changes = Object.values(entry.getFields())
    .filter((field) => !isLeafType(getNamedType(field.type)))
    .map((field) => {
      const scalars = Object.values(entry.getFields()).filter((f) => isLeafType(getNamedType(f.type))).map((f) => f.name).join(' ')
      // Its scalars only (a path past the loop's one hop): its relations are selected from its own query above.
      const inner = selectAll(getNamedType(field.type) as GraphQLObjectType, ['Query.changes', 'ChangePage.entries', `ChangeEntry.${field.name}`, 'scalars only'], 3)
      return `changes(first: 200) { cursor hasMore entries { ${scalars} ${field.name} { ${inner} } } }`
    })
  const data: Record<string, unknown> = {}
  for (const document of selections) {
    // Admins may do all staff may, and read credentials too.
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: admin, payload: { query: `{ ${document} }` } })
    t.equal(res.statusCode, 200, res.statusCode === 200 ? `${document.split(' ')[0]} runs` : res.body)
    t.same(res.json().errors, undefined, 'no errors')
    Object.assign(data, res.json().data)
  }

  // Subscriptions, over a real WebSocket: one change of each kind (outbox rows as writers append them) and every field.
  await app.listen({ port: 0, host: '127.0.0.1' })
  const client = subscriber(t, `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, admin.authorization.replace('Bearer ', ''))
  const subscriptionType = contract.getSubscriptionType()!
  const live = (name: string, args: string) => {
    const target = getNamedType(subscriptionType.getFields()[name]!.type) as GraphQLObjectType
    return subscribe(client, `subscription { ${name}${args} { ${selectAll(target, [`Subscription.${name}`], 1)} } }`)
  }
  const subscriptions = [
    await live('eventChanged', `(id: "${id}")`),
    await live('feedbackChanged', `(id: "${loop.feedbackId}")`),
    await live('decisionChanged', '(agency: "metro")'),
    await live('reportBackChanged', '(agency: "metro")'),
  ]
  for (const [entityType, entityId] of [['event', id], ['feedback', loop.feedbackId], ['decision', loop.decisionId], ['report_back', loop.reportBackId]])
    await database.raw(`insert into outbox (agency_id, entity_type, entity_id, action, visibility, payload) values ($1, $2, $3, $4, 'agency', $5)`, [fixtures.metro.id, entityType, entityId, `${entityType}.updated`, JSON.stringify({ id: entityId })])
  const subscribed: Record<string, unknown> = {}
  for (const sub of subscriptions) {
    const message = await sub.next()
    t.same(message.errors, undefined, 'no errors')
    Object.assign(subscribed, message.data)
  }

  const seen = new Map<string, boolean>()
  const problems: string[] = []
  for (const document of changes) {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: admin, payload: { query: `{ ${document} }` } })
    t.same(res.json().errors, undefined, `${document.slice(0, 120)} runs`)
    recordValues(query, res.json().data, seen, problems, 'Query')
  }
  recordValues(query, data, seen, problems, 'Query')
  recordValues(query, againstNorm.data, seen, problems, 'Query')
  recordValues(subscriptionType, subscribed, seen, problems, 'Subscription')
  recordValues(contract.getMutationType()!, series.json().data, seen, problems, 'Mutation')
  recordValues(contract.getMutationType()!, scheduled.data, seen, problems, 'Mutation')
  recordValues(contract.getMutationType()!, organization.json().data, seen, problems, 'Mutation')
  recordValues(contract.getMutationType()!, credential.json().data, seen, problems, 'Mutation')
  for (const result of [person, registered, selfRegistered, counted, heldCheckIn, answered, surveyGrant, profile, agencyMade, made, areaRemoved]) recordValues(contract.getMutationType()!, result.data, seen, problems, 'Mutation')
  recordValues(query, withPurpose.data, seen, problems, 'Query')
  // A near-me list: the one place an event has a distance.
  const near = await app.inject({ method: 'POST', url: '/graphql', headers: admin, payload: { query: `{ ${selection('events', '(filter: { near: { latitude: 40.75, longitude: -73.99 }, radius: 1000 })')} }` } })
  t.same(near.json().errors, undefined, 'near-me runs')
  recordValues(query, near.json().data, seen, problems, 'Query')
  for (const data of loop.mutations) recordValues(contract.getMutationType()!, data, seen, problems, 'Mutation')
  for (const result of [partnerHook, rotatedHook, replayedHook]) recordValues(contract.getMutationType()!, result.data, seen, problems, 'Mutation')
  recordValues(query, failedLog.data, seen, problems, 'Query')
  recordValues(query, ownSeen.data, seen, problems, 'Query')
  recordValues(query, requested.data, seen, problems, 'Query')
  // A referred item's follow-up carries its reason.
  recordValues(query, (await gql(`{ followUp(code: "${loop.referredTrackingCode}") { feedback { statusReason } } }`)).data, seen, problems, 'Query')
  for (const data of priorityMutations) recordValues(contract.getMutationType()!, data, seen, problems, 'Mutation')
  for (const data of liaisonMutations) recordValues(contract.getMutationType()!, data, seen, problems, 'Mutation')
  recordValues(query, liaisonContact.data, seen, problems, 'Query')
  // Surveys after police contact: the rules changed with a sampling rate, and an answer through an invitation's link.
  const rules = await gql(`mutation { changeContactSurveyRules(input: { samplingRates: [{ kind: TRAFFIC_STOP, rate: 0.5 }], quietHours: { start: "00:00", end: "00:00" }, delayMinutes: 0 }) { ${selectAll(contract.getType('ContactSurveyRules') as GraphQLObjectType, ['Mutation.changeContactSurveyRules'], 2)} } }`)
  const contactAt = new Date(Date.parse(TEST_NOW) - 30 * 60_000).toISOString()
  const posted = await app.inject({ method: 'POST', url: '/v1/contact-events', headers: staff, payload: { contacts: [{ id: 'GQL-1', kind: 'report_taken', occurredAt: contactAt, area: beat.code, channel: 'sms', address: '+15550102001', language: 'en' }] } })
  t.equal(posted.json().invited, 1, posted.body)
  const [{ token }] = await database.raw<{ token: string }>(`select token from contact_invitations limit 1`)
  const contactAnswer = await gql(`mutation ($input: ContactSurveyAnswerInput!) { answerContactSurvey(input: $input) { ${selectAll(contract.getType('ContactSurveyAnswer') as GraphQLObjectType, ['Mutation.answerContactSurvey'], 2)} } }`, { input: { token, dignity: 4, voice: 3, neutrality: 4, trust: 3, comment: 'Quick and fair.', language: 'en' } }, {})
  for (const data of [rules.data, contactAnswer.data, normMade.data, pooling.data]) recordValues(contract.getMutationType()!, data, seen, problems, 'Mutation')
  t.same(problems, [], 'no field is undefined')

  // Every field of every object type got a real value somewhere, except one no data here can have (only sync
  // listings show tombstones). Each mutation's own behaviour is held in graphql.test.ts.
  // An admin sees every resource of their agency, so the feed shows them no tombstone (change-feed.test.ts holds those).
  const cannotHaveValue = new Set(['Event.deletedAt', 'Feedback.deletedAt', 'Decision.deletedAt', 'ReportBack.deletedAt', 'ChangeEntry.reason', 'RemovedResource.id', 'RemovedResource.at'])
  const objectFields = Object.values(contract.getTypeMap())
    .filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__') && type !== contract.getMutationType())
    .flatMap((type) => Object.keys(type.getFields()).map((field) => `${type.name}.${field}`))
  const missing = objectFields.filter((key) => !seen.get(key) && !cannotHaveValue.has(key))
  t.same(missing, [], 'every field resolved to a value')
})
