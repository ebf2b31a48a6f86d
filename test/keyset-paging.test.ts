// Keyset paging past page 1 in the participants, feedback and decisions lists: with ties on the sort key (rows sharing
// a timestamp across page boundaries), every row comes exactly once and in order, over REST and GraphQL.
import t, { type Test } from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { addFeedback } from './helpers/insights-data.ts'

const { app, database, fixtures } = await build(t)
const staff = await bearer()
const metro = fixtures.metro.id
type Res = Awaited<ReturnType<typeof app.inject>>

// 13 rows per list in three groups that share a timestamp (5, 4, 4): every limit from 1 to 6 cuts some group.
const GROUPS = ['2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.001Z', '2026-04-15T08:30:00.000Z'] as const
const SIZES = [5, 4, 4]
const TOTAL = 13
const LIMITS = [1, 2, 3, 4, 5, 6]
const tiedTime = (i: number) => GROUPS[i < SIZES[0]! ? 0 : i < SIZES[0]! + SIZES[1]! ? 1 : 2]!

type Row = { id: string; at: string }
/** The order the lists promise: by the sort key, then by id (PostgreSQL orders uuids as their lower-case hex text). */
const inOrder = (rows: Row[]) => [...rows].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))

async function post(url: string, payload: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url, headers: staff, payload })
  if (res.statusCode !== 201) throw new Error(`${url}: ${res.body}`)
  return res.json() as { id: string }
}

/** Gives the rows of `table` tied creation times group by group, and tied change times in another order. */
async function tie(table: string, column: string, ids: string[]) {
  for (const [i, id] of ids.entries()) await database.raw(`update ${table} set ${column} = $1, updated_at = $2 where id = $3`, [tiedTime(i), tiedTime(TOTAL - 1 - i), id])
}

const participantIds: string[] = []
for (let i = 0; i < TOTAL; i++) participantIds.push((await post('/v1/participants', { displayName: `Person ${i}`, consents: { contact: false, dataUse: true } })).id)
await tie('participants', 'created_at', participantIds)

// Feedback written in bulk, each group with one received time (the insert gives each group's rows the same timestamp).
for (const [g, at] of GROUPS.entries()) await addFeedback(database, metro, SIZES[g]!, { receivedAt: at, topic: 'community_safety' })
await database.raw(`update feedback_items set updated_at = case received_at when $2::timestamptz then $3::timestamptz when $3::timestamptz then $2::timestamptz else received_at end where agency_id = $1`, [metro, GROUPS[0], GROUPS[2]])

const decisionIds: string[] = []
for (let i = 0; i < TOTAL; i++) decisionIds.push((await post('/v1/decisions', { title: { en: `Decision ${i}` } })).id)
await tie('decisions', 'created_at', decisionIds)

const expected = {
  participants: inOrder(participantIds.map((id, i) => ({ id, at: tiedTime(i) }))).map((r) => r.id),
  feedback: inOrder((await database.raw<{ id: string; at: Date }>(`select id, received_at as at from feedback_items where agency_id = $1`, [metro])).map((r) => ({ id: r.id, at: new Date(r.at).toISOString() }))).map((r) => r.id),
  decisions: inOrder(decisionIds.map((id, i) => ({ id, at: tiedTime(i) }))).map((r) => r.id),
}
/** The order when syncing by last change, read from the rows themselves. */
const byChange = async (table: string) =>
  inOrder((await database.raw<{ id: string; at: Date }>(`select id, updated_at as at from ${table} where agency_id = $1`, [metro])).map((r) => ({ id: r.id, at: new Date(r.at).toISOString() }))).map((r) => r.id)
const expectedSync = { participants: await byChange('participants'), feedback: await byChange('feedback_items'), decisions: await byChange('decisions') }

const lists = [
  { name: 'participants', url: '/v1/participants', key: 'createdAt', gql: 'participants', node: 'id createdAt' },
  { name: 'feedback', url: '/v1/feedback', key: 'receivedAt', gql: 'feedback', node: 'id receivedAt' },
  { name: 'decisions', url: '/v1/decisions', key: 'createdAt', gql: 'decisions', node: 'id createdAt' },
] as const

/** Every page's ids must be the next slice of the expected order: no row twice, none skipped, none out of order. */
function checkWalk(t: Test, what: string, pages: string[][], want: string[], limit: number) {
  const seen = pages.flat()
  t.equal(new Set(seen).size, seen.length, `${what}: no row appears twice`)
  t.strictSame(seen, want, `${what}: every row exactly once, in order`)
  t.equal(pages.length, Math.ceil(want.length / limit), `${what}: ${Math.ceil(want.length / limit)} pages`)
  t.ok(pages.every((p, i) => p.length === (i < pages.length - 1 ? limit : want.length - limit * (pages.length - 1))), `${what}: full pages until the last`)
}

t.test('the data has ties across page boundaries', async (t) => {
  for (const list of lists) t.equal(expected[list.name].length, TOTAL, `${TOTAL} ${list.name}`)
  const times = await database.raw<{ n: number }>(`select count(distinct received_at)::int as n from feedback_items where agency_id = $1`, [metro])
  t.equal(times[0]!.n, GROUPS.length, 'feedback shares three received times')
  for (const list of lists) t.notSame(expectedSync[list.name], expected[list.name], `${list.name}: the change order differs from the listing order`)
})

for (const list of lists)
  t.test(`when the ${list.name} list is walked over REST by its Link: rel="next", then every row comes exactly once and in order`, async (t) => {
    for (const limit of LIMITS) {
      const pages: string[][] = []
      let url: string | null = `${list.url}?limit=${limit}`
      while (url && pages.length <= TOTAL) {
        const res: Res = await app.inject({ method: 'GET', url, headers: staff })
        t.equal(res.statusCode, 200, res.body)
        const body = res.json() as { data: Record<string, string>[]; nextCursor: string | null }
        const keys = body.data.map((r) => r[list.key]!)
        t.ok(keys.every((k, i) => i === 0 || keys[i - 1]! <= k), `limit ${limit}: the page is in ${list.key} order`)
        pages.push(body.data.map((r) => r.id!))
        const link = res.headers.link as string | undefined
        const next = link?.match(/^<([^>]+)>; rel="next"$/)?.[1] ?? null
        t.equal(next === null, body.nextCursor === null, `limit ${limit}: a Link header exactly when there is a next cursor`)
        if (next) t.equal(new URL(next, 'http://x').searchParams.get('cursor'), body.nextCursor, `limit ${limit}: the Link carries the cursor`)
        if (next) t.equal(new URL(next, 'http://x').searchParams.get('limit'), String(limit), `limit ${limit}: and keeps the limit`)
        url = next
      }
      checkWalk(t, `REST limit ${limit}`, pages, expected[list.name], limit)
    }
  })

const FILTER_TYPE = { participants: 'ParticipantFilter', feedback: 'FeedbackFilter', decisions: 'DecisionFilter' } as const

for (const list of lists)
  t.test(`when the ${list.name} connection is walked over GraphQL with after, then every row comes exactly once and in order, and each edge resumes after itself`, async (t) => {
    const query = `query ($first: Int, $after: String, $filter: ${FILTER_TYPE[list.name]}) { ${list.gql}(first: $first, after: $after, filter: $filter) { edges { cursor node { ${list.node} } } pageInfo { hasNextPage endCursor } } }`
    const page = async (first: number, after: string | null, filter: Record<string, string> | null) => {
      const res = await app.inject({ method: 'POST', url: '/graphql', headers: { ...staff, 'content-type': 'application/json' }, payload: { query, variables: { first, after, filter } } })
      const body = res.json() as { data?: Record<string, { edges: { cursor: string; node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }>; errors?: unknown }
      if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors))
      return body.data[list.gql]!
    }
    const orders = [
      { name: 'listing', filter: null, want: expected[list.name], limits: LIMITS },
      { name: 'syncing', filter: { updatedSince: '2026-01-01T00:00:00Z' }, want: expectedSync[list.name], limits: [4] },
    ]
    for (const order of orders) {
      for (const limit of order.limits) {
        const pages: string[][] = []
        let after: string | null = null
        for (;;) {
          const connection = await page(limit, after, order.filter)
          pages.push(connection.edges.map((e) => e.node.id))
          if (!connection.pageInfo.hasNextPage || pages.length > TOTAL) break
          t.equal(connection.pageInfo.endCursor, connection.edges.at(-1)?.cursor, `${order.name}, first ${limit}: endCursor is the last edge's`)
          after = connection.pageInfo.endCursor
        }
        checkWalk(t, `GraphQL ${order.name}, first ${limit}`, pages, order.want, limit)
      }
      // Resuming from any edge, not only a page's last, gives the row after it.
      const edges = (await page(TOTAL, null, order.filter)).edges
      t.strictSame(edges.map((e) => e.node.id), order.want, `${order.name}: one page of all`)
      for (const [i, edge] of edges.entries()) {
        const next = await page(1, edge.cursor, order.filter)
        t.strictSame(next.edges.map((e) => e.node.id), order.want.slice(i + 1, i + 2), `${order.name}: after edge ${i}, the next row`)
      }
    }
  })

t.test('when lists are synced by updatedSince with tied change times, then the walk is exact too', async (t) => {
  for (const list of lists) {
    const pages: string[][] = []
    let url: string | null = `${list.url}?limit=4&updatedSince=2026-01-01T00:00:00Z`
    while (url && pages.length <= TOTAL) {
      const res: Res = await app.inject({ method: 'GET', url, headers: staff })
      t.equal(res.statusCode, 200, res.body)
      pages.push((res.json() as { data: { id: string }[] }).data.map((r) => r.id))
      url = (res.headers.link as string | undefined)?.match(/^<([^>]+)>; rel="next"$/)?.[1] ?? null
    }
    checkWalk(t, `${list.name} by updatedAt`, pages, expectedSync[list.name], 4)
  }
})
