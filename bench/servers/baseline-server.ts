// The baselines the API is measured against, in one bare Fastify process:
//   GET  /static/:name   a static body (the API's own response captured before timing: same bytes, no work)
//   /raw/…               the best single SQL statement for the same answer through node-postgres, JSON built by PostgreSQL
// Env: DATABASE_URL, STATIC_BODIES (a JSON file {name: {contentType, body}}). Prints "listening PORT" on stdout.
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'
import pg from 'pg'

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, idleTimeoutMillis: 0 })
pool.on('error', () => {})
const statics: Record<string, { contentType: string; body: string }> = process.env.STATIC_BODIES
  ? JSON.parse(readFileSync(process.env.STATIC_BODIES, 'utf8'))
  : {}

const app = Fastify({ logger: false })

app.get<{ Params: { name: string } }>('/static/:name', async (request, reply) => {
  const s = statics[request.params.name]
  if (!s) return reply.code(404).send()
  return reply.type(s.contentType).send(s.body)
})

const eventJson = `json_build_object('id', e.id, 'agencyId', e.agency_id, 'title', e.title->>'en', 'startsAt', e.starts_at,
  'endsAt', e.ends_at, 'status', e.status, 'areaId', e.area_id, 'kind', e.kind, 'format', e.format, 'languages', e.languages)`

// one page by (starts_at, id) keyset; limit+1 rows say whether there is a next page
const listSql = `SELECT json_build_object('data', coalesce(json_agg(${eventJson} ORDER BY e.starts_at, e.id) FILTER (WHERE p.n <= $1), '[]'),
    'more', count(*) > $1,
    'last', (array_agg(json_build_array(e.starts_at, e.id) ORDER BY e.starts_at, e.id) FILTER (WHERE p.n = $1))[1])::text AS j
  FROM (SELECT id, row_number() OVER (ORDER BY starts_at, id) n FROM events
        WHERE status <> 'draft' AND deleted_at IS NULL
          AND ($2::timestamptz IS NULL OR (starts_at, id) > ($2::timestamptz, $3::uuid))
        ORDER BY starts_at, id LIMIT $1 + 1) p JOIN events e ON e.id = p.id`

app.get<{ Querystring: { limit?: string; cursor?: string } }>('/raw/events', async (request, reply) => {
  const limit = Math.min(100, Number(request.query.limit ?? 20))
  let at: string | null = null
  let id: string | null = null
  if (request.query.cursor) {
    const c = JSON.parse(Buffer.from(request.query.cursor, 'base64url').toString('utf8'))
    at = c.t
    id = c.id
  }
  const { rows } = await pool.query(listSql, [limit, at, id])
  const r = JSON.parse(rows[0].j)
  const nextCursor = r.more && r.last ? Buffer.from(JSON.stringify({ o: 'events:start', t: new Date(r.last[0]).toISOString(), id: r.last[1] })).toString('base64url') : null
  return reply.type('application/json').send(`{"data":${JSON.stringify(r.data)},"nextCursor":${JSON.stringify(nextCursor)}}`)
})

const byIdSql = `SELECT ${eventJson}::text AS j FROM events e WHERE e.id = $1 AND e.status <> 'draft' AND e.deleted_at IS NULL`
app.get<{ Params: { id: string } }>('/raw/events/:id', async (request, reply) => {
  const { rows } = await pool.query(byIdSql, [request.params.id])
  if (!rows[0]) return reply.code(404).send()
  return reply.type('application/json').send(rows[0].j)
})

// the nested GraphQL page: events with their agency's name and area's code, in one statement
const nestedSql = `SELECT coalesce(json_agg(json_build_object('id', e.id, 'title', e.title->>'en', 'startsAt', e.starts_at,
    'agency', json_build_object('name', a.name), 'area', CASE WHEN ar.id IS NULL THEN NULL ELSE json_build_object('code', ar.code) END)
    ORDER BY e.starts_at, e.id), '[]')::text AS j
  FROM (SELECT * FROM events WHERE status <> 'draft' AND deleted_at IS NULL ORDER BY starts_at, id LIMIT $1) e
  JOIN agencies a ON a.id = e.agency_id LEFT JOIN areas ar ON ar.id = e.area_id`
app.get<{ Querystring: { first?: string } }>('/raw/nested', async (request, reply) => {
  const { rows } = await pool.query(nestedSql, [Number(request.query.first ?? 50)])
  return reply.type('application/json').send(rows[0].j)
})

const detailSql = `SELECT json_build_object('id', e.id, 'title', e.title->>'en', 'description', e.description->>'en', 'startsAt', e.starts_at,
    'endsAt', e.ends_at, 'status', e.status, 'languages', e.languages, 'accommodations', e.accommodations,
    'agency', json_build_object('name', a.name), 'area', CASE WHEN ar.id IS NULL THEN NULL ELSE json_build_object('code', ar.code, 'name', ar.name) END)::text AS j
  FROM events e JOIN agencies a ON a.id = e.agency_id LEFT JOIN areas ar ON ar.id = e.area_id
  WHERE e.id = $1 AND e.status <> 'draft' AND e.deleted_at IS NULL`
app.get<{ Params: { id: string } }>('/raw/detail/:id', async (request, reply) => {
  const { rows } = await pool.query(detailSql, [request.params.id])
  if (!rows[0]) return reply.code(404).send()
  return reply.type('application/json').send(rows[0].j)
})

// create: one INSERT … RETURNING (no auth, idempotency or audit: the physical floor of a write)
const insertSql = `INSERT INTO events (agency_id, title, description, kind, format, time_zone, venue_name, languages, accommodations, capacity, topics, starts_at, ends_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::accommodation[], $10, $11, $12, $13)
  RETURNING ${eventJson.replaceAll('e.', '')}::text AS j`
type Body = Record<string, any>
app.post<{ Body: Body }>('/raw/events', async (request, reply) => {
  const b = request.body
  const { rows } = await pool.query(insertSql, [
    b.agencyId, b.title, b.description ?? {}, b.kind, b.format, b.timeZone, b.venue?.name ?? null, b.languages ?? [],
    b.accommodations ?? [], b.capacity ?? null, b.topics ?? [], b.startsAt, b.endsAt,
  ])
  return reply.code(201).type('application/json').send(rows[0].j)
})

// ---- the listening-and-acting loop: feedback, decisions and report-backs, as the public sees them ----------------
// (published feedback, published decisions and report-backs, none deleted), in API order: feedback by
// (received_at, id), decisions by (created_at, id), report-backs by (relayed_at, id).
const publishedFeedback = `visibility = 'published' AND deleted_at IS NULL`
const decisionsOfFeedback = (f: string) => `(SELECT coalesce(json_agg(json_build_object('id', d.id, 'title', d.title->>'en',
      'reportBacks', (SELECT coalesce(json_agg(json_build_object('id', rb.id, 'relayedAt', rb.relayed_at) ORDER BY rb.relayed_at, rb.id), '[]')
                      FROM report_backs rb WHERE rb.decision_id = d.id AND rb.publication = 'published' AND rb.deleted_at IS NULL))
    ORDER BY d.created_at, d.id), '[]')
  FROM decision_feedback df JOIN decisions d ON d.id = df.decision_id
  WHERE df.feedback_id = ${f}.id AND d.publication = 'published' AND d.deleted_at IS NULL)`

// the nested loop page: events, each with its first $2 visible feedback items (and their total), each item with the
// decisions answering it and their report-backs, in one statement, shaped as the API's GraphQL answer
const nestedLoopSql = `SELECT coalesce(json_agg(json_build_object('id', e.id, 'title', e.title->>'en', 'startsAt', e.starts_at,
    'feedback', json_build_object('totalCount', (SELECT count(*) FROM feedback_items c WHERE c.event_id = e.id AND c.${publishedFeedback}),
      'edges', (SELECT coalesce(json_agg(json_build_object('node', json_build_object('id', f.id, 'decisions', ${decisionsOfFeedback('f')})) ORDER BY f.received_at, f.id), '[]')
                FROM (SELECT id, received_at FROM feedback_items WHERE event_id = e.id AND ${publishedFeedback} ORDER BY received_at, id LIMIT $2) f)))
    ORDER BY e.starts_at, e.id), '[]')::text AS j
  FROM (SELECT id, title, starts_at FROM events WHERE status <> 'draft' AND deleted_at IS NULL ORDER BY starts_at, id LIMIT $1) e`
app.get<{ Querystring: { first?: string; feedback?: string } }>('/raw/nested-loop', async (request, reply) => {
  const { rows } = await pool.query(nestedLoopSql, [Number(request.query.first ?? 50), Number(request.query.feedback ?? 3)])
  return reply.type('application/json').send(rows[0].j)
})

// one event with its first $2 visible feedback items (and their total) and the visible decisions discussed at it
const detailLoopSql = `SELECT json_build_object('id', e.id, 'title', e.title->>'en',
    'feedback', json_build_object('totalCount', (SELECT count(*) FROM feedback_items c WHERE c.event_id = e.id AND c.${publishedFeedback}),
      'edges', (SELECT coalesce(json_agg(json_build_object('node', json_build_object('id', f.id, 'receivedAt', f.received_at)) ORDER BY f.received_at, f.id), '[]')
                FROM (SELECT id, received_at FROM feedback_items WHERE event_id = e.id AND ${publishedFeedback} ORDER BY received_at, id LIMIT $2) f)),
    'decisions', (SELECT coalesce(json_agg(json_build_object('id', d.id, 'title', d.title->>'en') ORDER BY d.created_at, d.id), '[]')
                  FROM decision_events de JOIN decisions d ON d.id = de.decision_id
                  WHERE de.event_id = e.id AND d.publication = 'published' AND d.deleted_at IS NULL))::text AS j
  FROM events e WHERE e.id = $1 AND e.status <> 'draft' AND e.deleted_at IS NULL`
app.get<{ Params: { id: string }; Querystring: { feedback?: string } }>('/raw/detail-loop/:id', async (request, reply) => {
  const { rows } = await pool.query(detailLoopSql, [request.params.id, Number(request.query.feedback ?? 10)])
  if (!rows[0]) return reply.code(404).send()
  return reply.type('application/json').send(rows[0].j)
})

// create feedback: one INSERT (the topic resolved by code in the same statement; no idempotency, transition or audit row)
const insertFeedbackSql = `WITH t AS (SELECT id, code FROM feedback_topics WHERE agency_id IS NULL AND code = $6),
    f AS (INSERT INTO feedback_items (agency_id, body, body_language, channel, event_id, topic_id, stance)
          SELECT $1, $2, $3, $4, $5, t.id, $7 FROM t RETURNING *)
  SELECT json_build_object('id', f.id, 'bodyLanguage', f.body_language, 'channel', f.channel, 'eventId', f.event_id, 'topic', t.code,
    'stance', f.stance, 'visibility', f.visibility, 'status', f.status, 'receivedAt', f.received_at)::text AS j
  FROM f JOIN t ON t.id = f.topic_id`
app.post<{ Body: Body }>('/raw/feedback', async (request, reply) => {
  const b = request.body
  const { rows } = await pool.query(insertFeedbackSql, [b.agencyId, b.body, b.language, b.channel, b.eventId ?? null, b.topic, b.stance ?? null])
  if (!rows[0]) return reply.code(422).send()
  return reply.code(201).type('application/json').send(rows[0].j)
})

const address = await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`listening ${new URL(address).port}\n`)
const stop = async () => {
  await app.close()
  await pool.end()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
