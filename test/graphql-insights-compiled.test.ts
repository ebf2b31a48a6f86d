// GraphQL queries of the insights alone run compiled (compiled-insights.ts): every answer must be the bytes the
// resolvers give through mercurius (READ_PATH=false) for the same data, and every error stays mercurius's to give.
import type { FastifyInstance } from 'fastify'
import { getNamedType, isLeafType, type GraphQLObjectType } from 'graphql'
import t from 'tap'
import { buildApp } from '../src/app.ts'
import { seedDemo } from '../src/seed/demo.ts'
import { build, testConfig } from './helpers/build.ts'
import { TEST_NOW } from './helpers/clock.ts'

/** Every field of a type whose arguments are all optional, to the depth given (list arguments left to their defaults). */
function everyField(type: GraphQLObjectType, depth: number): string {
  return Object.values(type.getFields())
    .filter((f) => f.args.every((a) => a.type.toString().slice(-1) !== '!'))
    .map((f) => {
      const target = getNamedType(f.type)
      if (isLeafType(target)) return f.name
      if (depth === 0) return null
      const inner = everyField(target as GraphQLObjectType, depth - 1)
      return inner ? `${f.name} { ${inner} }` : null
    })
    .filter(Boolean)
    .join(' ')
}

t.test('compiled insights', async (t) => {
  const { app, database, clock } = await build(t, { env: { INSIGHTS_WARM: 'false' } })
  const resolvers: FastifyInstance = await buildApp({ config: testConfig({ READ_PATH: 'false', INSIGHTS_WARM: 'false' }), database, clock })
  await resolvers.ready()
  t.teardown(() => resolvers.close())
  await seedDemo(database, { now: clock.now() })
  // Mercurius runs preExecution for what it executes: the compiled path does not go through it.
  let executed = 0
  app.graphql.addHook('preExecution', async () => void executed++)
  const [area] = await database.raw<{ id: string }>(`SELECT a.id FROM areas a JOIN agencies g ON g.id = a.agency_id WHERE g.slug = 'riverton' AND a.parent_id IS NULL ORDER BY a.code LIMIT 1`)
  // A quarter of the demo's data and a range backwards, from the tests' now (never a calendar year written down).
  const year = Number(TEST_NOW.slice(0, 4))
  const [quarterFrom, quarterTo] = [`${year}-01-01`, `${year}-03-31`]
  const insights = app.graphql.schema.getType('Insights') as GraphQLObjectType
  const all = everyField(insights, 4)

  const cases: { name: string; query: string; variables?: Record<string, unknown>; compiled: boolean }[] = [
    { name: 'every field of every insight', query: `{ insights(agency: "riverton") { ${all} } }`, compiled: true },
    { name: 'an area and a quarter, as variables', query: `query ($agency: ID!, $filter: InsightFilter) { insights(agency: $agency, filter: $filter) { ${all} } }`, variables: { agency: 'riverton', filter: { areas: [area!.id], from: quarterFrom, to: quarterTo } }, compiled: true },
    { name: 'aliases, a fragment and __typename', query: '{ i: insights(agency: "riverton") { __typename v: voice { ...V } loop: closingTheLoop { margins { by received { value suppressed } } } } } fragment V on VoiceInsight { __typename cells { key { dimension value } feedback { value suppressed } } }', compiled: true },
    { name: 'skip and include', query: 'query ($no: Boolean!) { insights(agency: "riverton") { reach @skip(if: $no) { cells { events } } trust @include(if: $no) { cells { responses { value } } } } }', variables: { no: true }, compiled: true },
    { name: 'a named operation among two', query: 'query A { insights(agency: "riverton") { reach { suppression { threshold } } } } query B { events(first: 1) { nodes { id } } }', compiled: true },
    { name: 'an unknown agency', query: '{ insights(agency: "nowhere") { reach { cells { events } } } }', compiled: false },
    { name: 'an area of another agency', query: '{ insights(agency: "riverton", filter: { areas: ["00000000-0000-4000-8000-000000000000"] }) { voice { cells { feedback { value } } } } }', compiled: false },
    { name: 'from after to', query: `{ insights(agency: "riverton", filter: { from: "${quarterTo}", to: "${quarterFrom}" }) { voice { cells { feedback { value } } } } }`, compiled: false },
    { name: 'a bad variable', query: 'query ($f: InsightFilter) { insights(agency: "riverton", filter: $f) { voice { cells { feedback { value } } } } }', variables: { f: { from: 7 } }, compiled: false },
    { name: 'an unknown field', query: '{ insights(agency: "riverton") { voice { nope } } }', compiled: false },
    { name: 'insights beside another root', query: '{ insights(agency: "riverton") { reach { suppression { threshold } } } events(first: 1) { nodes { id } } }', compiled: false },
  ]
  for (const c of cases) {
    const payload = { query: c.query, ...(c.variables ? { variables: c.variables } : {}), ...(c.name.startsWith('a named') ? { operationName: 'A' } : {}) }
    // A document's first asking is mercurius's (compiling costs more than executing once); the second runs compiled.
    const first = await app.inject({ method: 'POST', url: '/graphql', payload })
    const before = executed
    const [compiled, expected] = await Promise.all([app.inject({ method: 'POST', url: '/graphql', payload }), resolvers.inject({ method: 'POST', url: '/graphql', payload })])
    t.equal(first.body, expected.body, `${c.name}: the first asking too`)
    t.equal(compiled.statusCode, expected.statusCode, `${c.name}: status`)
    t.equal(compiled.body, expected.body, `${c.name}: the same bytes`)
    if (c.compiled) {
      t.notOk(compiled.json().errors, `${c.name}: no errors`)
      t.equal(executed, before, `${c.name}: answered compiled, not by mercurius`)
    } else t.ok(executed > before || compiled.json().errors, `${c.name}: left to mercurius`)
  }
  const whole = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `{ insights(agency: "riverton") { ${all} } }` } })
  t.ok(JSON.stringify(whole.json().data.insights.voice.cells).length > 1_000, 'the demo has insight cells to compare')

  // Each compiled answer holds its whole result tree until written: two are built at once, the rest wait their turn.
  const service = app.services.insights as { answer: (...args: never[]) => Promise<unknown> }
  const answer = service.answer
  let inFlight = 0
  let most = 0
  service.answer = async (...args) => {
    most = Math.max(most, ++inFlight)
    await new Promise((resolve) => setTimeout(resolve, 5))
    try {
      return await answer.apply(service, args)
    } finally {
      inFlight--
    }
  }
  t.teardown(() => void (service.answer = answer))
  const five = { query: '{ insights(agency: "riverton") { reach { cells { events } } voice { cells { feedback { value } } } closingTheLoop { margins { by } } trust { cells { responses { value } } } whoTakesPart { margins { by } } } }' }
  for (let i = 0; i < 2; i++) await app.inject({ method: 'POST', url: '/graphql', payload: five })
  const before = executed
  most = 0
  const answers = await Promise.all(Array.from({ length: 8 }, () => app.inject({ method: 'POST', url: '/graphql', payload: five })))
  t.same(answers.map((a) => a.statusCode), Array(8).fill(200), 'eight at once are all answered')
  t.equal(executed, before, 'compiled')
  t.ok(most > 5 && most <= 10, `at most two answers' five insights at once (${most} seen)`)
})
