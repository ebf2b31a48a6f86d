// Benchmarks (issue 20, item 4): survey items with stable codes, norm tables an agency imports and its community-trust
// figures placed against them (withheld where the figure is), and opt-in pooling of item aggregates for a regional host.
import t from 'tap'
import { sql } from 'drizzle-orm'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { TEST_NOW } from './helpers/clock.ts'

type Figure = { value: number | null; suppressed: string | null }
type Comparison = { code: string; normMean: number; difference: Figure; marginOfError: Figure; beyondMarginOfError: boolean | null }
type Principle = { code: string; unweighted: Figure; weighted: Figure; marginOfError: Figure; norm?: Comparison | null }
type Row = { area: string | null; cycle: string; responses: Figure; reliability: string; principles: Record<string, Principle> }

const now = new Date(TEST_NOW)
const thisMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 10, 15)).toISOString()
const thisQuarter = `${thisMonth.slice(0, 4)}-Q${Math.ceil(Number(thisMonth.slice(5, 7)) / 3)}`
const lastYear = now.getUTCFullYear() - 1
const lastQuarterMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 3, 10, 15)).toISOString()
const lastQuarter = `${lastQuarterMonth.slice(0, 4)}-Q${Math.ceil(Number(lastQuarterMonth.slice(5, 7)) / 3)}`

/** A norm table as a published survey gives it (dignity on 1–5; trust on 0–10, rescaled for comparison). */
const normTable = {
  name: 'Regional survey, wave 3',
  source: { citation: 'Example Institute, Regional Survey wave 3, Table 4', url: 'https://example.org/survey/wave-3' },
  period: { from: `${lastYear}-01-01`, to: `${lastYear}-12-31` },
  items: [
    { code: 'pj.dignity', mean: 3.5, scale: { min: 1, max: 5 }, n: 2500, distribution: { '1': 0.1, '2': 0.1, '3': 0.2, '4': 0.3, '5': 0.3 } },
    { code: 'pj.voice', mean: 3.2, scale: { min: 1, max: 5 }, n: 2500, distribution: { '1': 0.1, '2': 0.2, '3': 0.2, '4': 0.3, '5': 0.2 } },
  ],
}

t.test('benchmarks: norm tables, comparisons and pooling', async (t) => {
  const { app, database, fixtures } = await build(t)
  const [admin, analyst, staff, lakeAdmin] = await Promise.all([bearer({ role: 'admin', agency: 'metro' }), bearer({ role: 'analyst', agency: 'metro' }), bearer({ role: 'staff', agency: 'metro' }), bearer({ role: 'admin', agency: 'lakeside' })])
  const insert = async (agencyId: string, areaId: string, dignity: number, count: number, at = thisMonth) => {
    await database.db.execute(sql`insert into survey_responses (agency_id, area_id, dignity, created_at)
      select ${agencyId}::uuid, ${areaId}::uuid, ${dignity}, ${at}::timestamptz from generate_series(1, ${count})`)
  }
  // Metro: North 40 answers (20 × 4, 20 × 5: mean 4.5), South 35 × 3; the agency 75 (mean 3.8).
  // Lakeside: 35 × 3 this quarter; 12 last quarter (under the withheld tier of 30: every figure withheld).
  await insert(fixtures.metro.id, fixtures.areas.north.id, 4, 20)
  await insert(fixtures.metro.id, fixtures.areas.north.id, 5, 20)
  await insert(fixtures.metro.id, fixtures.areas.south.id, 3, 35)
  await insert(fixtures.lakeside.id, fixtures.areas.lakeArea.id, 3, 35)
  await insert(fixtures.lakeside.id, fixtures.areas.lakeArea.id, 4, 12, lastQuarterMonth)

  const post = (headers: Record<string, string>, payload: unknown) => app.inject({ method: 'POST', url: '/v1/norm-tables', headers, payload: payload as object })

  t.test('when a norm table is bad, then 400 names every bad field', async (t) => {
    const bad = {
      ...normTable,
      items: [
        { ...normTable.items[0], code: 'pj.courtesy' },
        { ...normTable.items[0], distribution: { '1': 0.5, '2': 0.3 } },
        { ...normTable.items[1], mean: 6 },
        { ...normTable.items[1], distribution: { '0': 0.5, '5': 0.5 } },
      ],
    }
    const res = await post(analyst, bad)
    t.equal(res.statusCode, 400)
    t.match(res.headers['content-type'], /application\/problem\+json/)
    const fields = (res.json().errors as { field: string }[]).map((e) => e.field).sort()
    t.same(fields, ['items.0.code', 'items.1.distribution', 'items.2.mean', 'items.3.distribution.0'])
    const twice = await post(analyst, { ...normTable, items: [normTable.items[0], normTable.items[1], normTable.items[0]] })
    t.same(twice.json().errors, [{ field: 'items.2.code', message: 'repeats items.0.code' }])
    t.equal((await post(analyst, { ...normTable, period: { from: `${lastYear}-12-31`, to: `${lastYear}-01-01` } })).json().errors[0].field, 'period.from')
    t.equal((await post(analyst, { ...normTable, extra: 1 })).json().errors[0].field, 'extra')
    t.equal((await post(analyst, { ...normTable, items: [] })).statusCode, 400)
    t.equal((await post(analyst, { ...normTable, source: { citation: 'x', url: 'javascript:alert(1)' } })).json().errors[0].field, 'source.url')
    t.equal((await post(staff, normTable)).statusCode, 403, 'staff may not import')
    t.equal((await post({}, normTable)).statusCode, 401)
  })

  const created = await post(analyst, normTable)
  t.equal(created.statusCode, 201, created.body)
  const norm = created.json()
  t.equal(created.headers.location, `/v1/norm-tables/${norm.id}`)
  t.match(norm, { agency: 'metro', name: normTable.name, source: normTable.source, period: normTable.period, items: normTable.items })
  const lakeNorm = (await post(lakeAdmin, { ...normTable, name: 'Lakeside reference' })).json()

  t.test('when norm tables are listed or read, then each agency has its own; deleting another agency’s is not found', async (t) => {
    const list = await app.inject({ method: 'GET', url: '/v1/norm-tables?agency=metro' })
    t.equal(list.statusCode, 200)
    t.same(list.json().data.map((n: { id: string }) => n.id), [norm.id])
    t.equal((await app.inject({ method: 'GET', url: `/v1/norm-tables/${norm.id}` })).json().name, normTable.name)
    t.equal((await app.inject({ method: 'GET', url: '/v1/norm-tables/not-a-uuid' })).json().code, 'NORM_TABLE_NOT_FOUND')
    t.equal((await app.inject({ method: 'GET', url: '/v1/norm-tables' })).statusCode, 400, 'agency is required')
    t.equal((await app.inject({ method: 'GET', url: '/v1/norm-tables?agency=nowhere' })).json().code, 'AGENCY_NOT_FOUND')
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/norm-tables/${norm.id}`, headers: lakeAdmin })).statusCode, 404)
    const spare = (await post(admin, normTable)).json()
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/norm-tables/${spare.id}`, headers: staff })).statusCode, 403)
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/norm-tables/${spare.id}`, headers: admin })).statusCode, 204)
    t.equal((await app.inject({ method: 'GET', url: `/v1/norm-tables/${spare.id}` })).statusCode, 404)
  })

  t.test('when community trust is placed against a norm, then each shown figure gets the difference and its margin, and a withheld one reveals nothing', async (t) => {
    const res = await app.inject({ method: 'GET', url: `/v1/insights/community-trust?agency=metro&norm=${norm.id}` })
    t.equal(res.statusCode, 200, res.body)
    const answer = res.json() as { items: { code: string }[]; norm: { id: string; source: unknown }; rows: Row[] }
    t.same(answer.items.map((i) => i.code), ['pj.dignity', 'pj.voice', 'pj.neutrality', 'pj.trust'])
    t.same(answer.norm.source, { citation: normTable.source.citation, url: normTable.source.url })
    const north = answer.rows.find((r) => r.area === fixtures.areas.north.id && r.cycle === thisQuarter)!
    const dignity = north.principles.dignity!
    t.equal(dignity.code, 'pj.dignity')
    t.equal(dignity.unweighted.value, 4.5)
    // 4.5 − 3.5 = 1; the margin combines the row's with the norm's: σ² = Σ p (v − 3.5)² = 1.65 over n = 2500.
    const normSe = Math.sqrt(1.65 / 2500)
    const margin = Math.round(Math.sqrt(dignity.marginOfError.value! ** 2 + (1.96 * normSe) ** 2) * 100) / 100
    t.same(dignity.norm, { code: 'pj.dignity', normMean: 3.5, difference: { value: 1, suppressed: null }, marginOfError: { value: margin, suppressed: null }, beyondMarginOfError: true })
    t.equal(north.principles.trust!.norm, null, 'the norm table has no trust item')
    t.equal(north.principles.voice!.norm!.difference.value, null, 'no one answered voice: no difference')
    const lake = (await app.inject({ method: 'GET', url: `/v1/insights/community-trust?agency=lakeside&norm=${lakeNorm.id}` })).json() as { rows: Row[] }
    const withheld = lake.rows.find((r) => r.area === null && r.cycle === lastQuarter)!
    t.equal(withheld.reliability, 'withheld')
    t.same(withheld.principles.dignity!.norm, { code: 'pj.dignity', normMean: 3.5, difference: { value: null, suppressed: 'insufficient_responses' }, marginOfError: { value: null, suppressed: 'insufficient_responses' }, beyondMarginOfError: null })
    const plain = (await app.inject({ method: 'GET', url: '/v1/insights/community-trust?agency=metro' })).json()
    t.equal(plain.norm, null)
    t.notOk('norm' in plain.rows[0].principles.dignity, 'no comparison unless a norm is asked for')
    const wrong = await app.inject({ method: 'GET', url: `/v1/insights/community-trust?agency=metro&norm=${lakeNorm.id}` })
    t.equal(wrong.statusCode, 400)
    t.equal(wrong.json().errors[0].field, 'norm', 'another agency’s norm table')
    t.equal((await app.inject({ method: 'GET', url: '/v1/insights/community-trust?agency=metro&norm=x' })).json().errors[0].field, 'norm')

    const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `{ insights(agency: "metro") { communityTrust(norm: "${norm.id}") { items { code } norm { name } rows { area cycle dignity { code norm { normMean difference { value } beyondMarginOfError } } } } } }` } })
    const ct = gql.json().data.insights.communityTrust
    t.equal(ct.norm.name, normTable.name)
    const gNorth = ct.rows.find((r: { area: string; cycle: string }) => r.area === fixtures.areas.north.id && r.cycle === thisQuarter)
    t.same(gNorth.dignity, { code: 'pj.dignity', norm: { normMean: 3.5, difference: { value: 1 }, beyondMarginOfError: true } })
    const gBad = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `{ insights(agency: "metro") { communityTrust(norm: "${lakeNorm.id}") { cycle } } }` } })
    t.equal(gBad.json().errors[0].extensions.code, 'VALIDATION_FAILED')
  })

  t.test('pooling: off by default, admins opt in, and the pooled figures are the public ones', async (t) => {
    const pooled = async (query = '') => {
      const res = await app.inject({ method: 'GET', url: `/v1/pooled/item-aggregates?item=pj.dignity${query}` })
      t.equal(res.statusCode, 200, res.body)
      return res.json() as { agencies: { slug: string; norm: { id: string } | null; timeZone: string }[]; rows: { agency: string; area: { code: string } | null; cycle: string; n: number; mean: number }[]; pooled: { cycle: string; item: string; agencies: number; n: number; mean: number }[] }
    }
    t.same((await app.inject({ method: 'GET', url: '/v1/pooling-setting', headers: analyst })).json(), { enabled: false, normTable: null, updatedAt: null })
    t.same((await pooled()).rows, [], 'no agency opted in: nothing')
    const put = (headers: Record<string, string>, payload: unknown) => app.inject({ method: 'PUT', url: '/v1/pooling-setting', headers, payload: payload as object })
    t.equal((await put(analyst, { enabled: true })).statusCode, 403, 'admins only')
    t.equal((await put({}, { enabled: true })).statusCode, 401)
    t.equal((await put(admin, { enabled: 'yes' })).json().errors[0].field, 'enabled')
    t.equal((await put(admin, { enabled: true, normTable: lakeNorm.id })).json().errors[0].field, 'normTable', 'another agency’s norm table')
    const on = await put(admin, { enabled: true, normTable: norm.id })
    t.equal(on.statusCode, 200, on.body)
    t.match(on.json(), { enabled: true, normTable: norm.id })

    const metroOnly = await pooled()
    t.same(metroOnly.agencies.map((a) => [a.slug, a.norm?.id, a.timeZone]), [['metro', norm.id, 'America/New_York']])
    t.notOk(metroOnly.rows.some((r) => r.agency === 'lakeside'), 'an agency not opted in never appears')
    t.same(
      metroOnly.rows.map((r) => [r.area?.code ?? null, r.cycle, r.n, r.mean]),
      [[null, thisQuarter, 75, 3.8], ['D1', thisQuarter, 40, 4.5], ['D2', thisQuarter, 35, 3]],
    )
    t.same(metroOnly.pooled, [{ cycle: thisQuarter, item: 'pj.dignity', agencies: 1, n: 75, mean: 3.8 }])

    t.equal((await put(lakeAdmin, { enabled: true })).statusCode, 200)
    const both = await pooled()
    t.same(both.agencies.map((a) => a.slug), ['lakeside', 'metro'])
    t.notOk(both.rows.some((r) => r.cycle === lastQuarter), 'Lakeside’s withheld quarter is absent')
    // By hand: (75 × 3.8 + 35 × 3) / 110 = 390 / 110 = 3.545…
    t.same(both.pooled, [{ cycle: thisQuarter, item: 'pj.dignity', agencies: 2, n: 110, mean: 3.55 }])
    t.same((await pooled('&agency=lakeside')).agencies.map((a) => a.slug), ['lakeside'])
    const months = await pooled('&cycle=month')
    t.equal(months.pooled[0]!.cycle, thisMonth.slice(0, 7))

    for (const bad of ['item=pj.courtesy', 'cycle=year', `from=${lastYear}-05-01&to=${lastYear}-01-01`, 'from=not-a-date', 'limit=3']) {
      const res = await app.inject({ method: 'GET', url: `/v1/pooled/item-aggregates?${bad}` })
      t.equal(res.statusCode, 400, bad)
      t.match(res.headers['content-type'], /application\/problem\+json/)
    }

    t.equal((await put(admin, { enabled: false })).json().normTable, norm.id, 'left out, the norm stays')
    t.same((await pooled()).agencies.map((a) => a.slug), ['lakeside'], 'opted out again: gone')
    const named = (await app.inject({ method: 'POST', url: '/v1/norm-tables', headers: admin, payload: normTable })).json()
    t.equal((await put(admin, { enabled: false, normTable: named.id })).json().normTable, named.id)
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/norm-tables/${named.id}`, headers: admin })).statusCode, 204, 'a norm table named as the reference can still be deleted')
    t.same((await app.inject({ method: 'GET', url: '/v1/pooling-setting', headers: analyst })).json().normTable, null, 'and the setting no longer names it')

    const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ pooledItemAggregates(items: ["pj.dignity"]) { cycle agencies { slug } pooled { item n mean agencies } rows { agency area { code } n mean } } }' } })
    const g = gql.json().data.pooledItemAggregates
    t.same(g.pooled, [{ item: 'pj.dignity', n: 35, mean: 3, agencies: 1 }], 'Lakeside alone now')
    const gBad = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ pooledItemAggregates(items: ["pj.nope"]) { cycle } }' } })
    t.equal(gBad.json().errors[0].extensions.code, 'VALIDATION_FAILED')
    t.match(gBad.json().errors[0].extensions.errors[0].field, /^items/)
  })

  t.test('over GraphQL: import, list, delete norm tables and change the pooling setting', async (t) => {
    const gql = async (headers: Record<string, string>, query: string, variables: object = {}) => (await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } })).json()
    const input = { ...normTable, items: normTable.items.map((i) => ({ ...i, distribution: Object.entries(i.distribution).map(([value, share]) => ({ value: Number(value), share })) })) }
    const made = await gql(analyst, 'mutation ($input: NormTableInput!) { importNormTable(input: $input) { id items { code distribution { value share } } } }', { input })
    t.same(made.data.importNormTable.items[0].distribution, input.items[0]!.distribution)
    const bad = await gql(analyst, 'mutation ($input: NormTableInput!) { importNormTable(input: $input) { id } }', { input: { ...input, items: [{ ...input.items[0], distribution: [{ value: 1, share: 0.2 }] }] } })
    t.equal(bad.errors[0].extensions.code, 'VALIDATION_FAILED')
    t.equal(bad.errors[0].extensions.errors[0].field, 'items.0.distribution')
    const listed = await gql({}, '{ normTables(agency: "metro") { id } }')
    t.equal(listed.data.normTables.length, 2)
    t.equal((await gql(admin, `mutation { deleteNormTable(id: "${made.data.importNormTable.id}") }`)).data.deleteNormTable, true)
    t.equal((await gql({}, `{ normTable(id: "${made.data.importNormTable.id}") { id } }`)).errors[0].extensions.code, 'NORM_TABLE_NOT_FOUND')
    const changed = await gql(admin, 'mutation { changePoolingSetting(input: { enabled: true, normTable: null }) { enabled normTable } }')
    t.same(changed.data.changePoolingSetting, { enabled: true, normTable: null })
    t.same((await gql(staff, '{ poolingSetting { enabled } }')).data.poolingSetting, { enabled: true })
    t.equal((await gql(staff, 'mutation { changePoolingSetting(input: { enabled: false }) { enabled } }')).errors[0].extensions.code, 'FORBIDDEN')
  })

  t.test('when community trust is cut by contact kind, then a small kind is withheld with a complement, the agency has no cut, and bad kinds are 400', async (t) => {
    // North this quarter: 40 after meetings (above), now 35 after traffic stops and 5 after reports taken.
    const later = new Date(Date.parse(thisMonth) + 3_600_000).toISOString()
    await database.db.execute(sql`insert into survey_responses (agency_id, area_id, dignity, contact_kind, created_at)
      select ${fixtures.metro.id}::uuid, ${fixtures.areas.north.id}::uuid, 2, 'traffic_stop', ${later}::timestamptz from generate_series(1, 35)
      union all select ${fixtures.metro.id}::uuid, ${fixtures.areas.north.id}::uuid, 4, 'report_taken', ${later}::timestamptz from generate_series(1, 5)`)
    const stale = (await app.inject({ method: 'GET', url: '/v1/insights/community-trust?agency=metro&contactKind=traffic_stop,report_taken,none' })).json()
    if (stale.rows.find((r: Row) => r.area === fixtures.areas.north.id && r.cycle === thisQuarter).responses.value === 40)
      t.ok(stale.byContactKind.filter((r: Row) => r.cycle === thisQuarter).every((r: Row) => r.responses.value === null), 'while community trust has not seen the new answers, the quarter’s cut is withheld whole')
    await app.services.insights.refresh('metro')
    const res = await app.inject({ method: 'GET', url: '/v1/insights/community-trust?agency=metro&contactKind=traffic_stop,report_taken,none' })
    t.equal(res.statusCode, 200, res.body)
    const body = res.json() as { rows: Row[]; byContactKind: (Row & { contactKind: string })[] }
    t.same(body.rows.find((r) => r.area === fixtures.areas.north.id && r.cycle === thisQuarter)!.responses, { value: 80, suppressed: null }, 'community trust still shows all 80')
    t.notOk(body.byContactKind.some((r) => r.area === null), 'no cut for the agency as a whole')
    const north = body.byContactKind.filter((r) => r.area === fixtures.areas.north.id && r.cycle === thisQuarter)
    const status = Object.fromEntries(north.map((r) => [r.contactKind, r.responses.suppressed]))
    t.equal(status.report_taken, 'primary', 'five answers after reports taken: withheld')
    t.same([status.none, status.traffic_stop].filter((s) => s === 'complementary').length, 1, 'and one more, so 80 − the rest does not tell it')
    const shownKind = north.find((r) => r.responses.suppressed === null)!
    t.ok(shownKind.responses.value === 40 || shownKind.responses.value === 35)
    t.equal(shownKind.principles.dignity!.unweighted.value, shownKind.contactKind === 'none' ? 4.5 : 2)
    const south = body.byContactKind.filter((r) => r.area === fixtures.areas.south.id && r.cycle === thisQuarter)
    t.same(south.map((r) => [r.contactKind, r.responses.value, r.principles.dignity!.unweighted.value]), [['none', 35, 3]], 'South: only meetings')
    const only = (await app.inject({ method: 'GET', url: '/v1/insights/community-trust?agency=metro&contactKind=traffic_stop' })).json()
    t.ok(only.byContactKind.every((r: { contactKind: string }) => r.contactKind === 'traffic_stop'))
    t.notOk('byContactKind' in (await app.inject({ method: 'GET', url: '/v1/insights/community-trust?agency=metro' })).json(), 'absent unless asked for')
    const bad = await app.inject({ method: 'GET', url: '/v1/insights/community-trust?agency=metro&contactKind=parking' })
    t.equal(bad.statusCode, 400)
    t.match(bad.json().errors[0].field, /^contactKind/)
    const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ insights(agency: "metro") { communityTrust(contactKinds: [REPORT_TAKEN]) { byContactKind { code cycle contactKind responses { value suppressed } dignity { code unweighted { value } } } } } }' } })
    const g = gql.json().data.insights.communityTrust.byContactKind.find((r: { cycle: string }) => r.cycle === thisQuarter)
    t.same(g, { code: 'D1', cycle: thisQuarter, contactKind: 'REPORT_TAKEN', responses: { value: null, suppressed: 'PRIMARY' }, dignity: { code: 'pj.dignity', unweighted: { value: null } } })
  })
})
