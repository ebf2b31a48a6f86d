// The GraphQL schema is public: anyone may introspect it (within the limits) or download it as SDL, and requests the
// GraphQL-over-HTTP spec says a server MUST take (a null `extensions`) are taken.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { buildClientSchema, buildSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema } from 'graphql'
import { GRAPHQL_LIMITS } from '../src/http/graphql/abuse-limits.ts'
import { INTROSPECTION_DEPTH_LIMIT, graphqlSchemaPath } from '../src/http/graphql/graphql-plugin.ts'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'

const sdl = readFileSync(graphqlSchemaPath, 'utf8')
const printed = (s: Parameters<typeof lexicographicSortSchema>[0]) => printSchema(lexicographicSortSchema(s))

t.test('when an anonymous caller introspects, then the schema it sees is schema.graphql, and the limits still hold', async (t) => {
  const { app, database } = await build(t)
  const gql = async (payload: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const before = database.statements.count
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', ...headers }, payload })
    return { status: res.statusCode, body: JSON.parse(res.body), statements: database.statements.count - before }
  }

  const standard = await gql({ query: getIntrospectionQuery({ descriptions: true, schemaDescription: true }) })
  t.equal(standard.status, 200, JSON.stringify(standard.body.errors))
  t.equal(printed(buildClientSchema(standard.body.data)), printed(buildSchema(sdl)), 'the standard introspection query gives the contract')
  const type = await gql({ query: '{ __type(name: "Event") { name kind } }' })
  t.same(type.body, { data: { __type: { name: 'Event', kind: 'OBJECT' } } }, 'an anonymous __type query is answered')
  t.equal((await gql({ query: '{ __typename }', extensions: null })).status, 200, 'extensions: null is taken')
  t.equal((await gql({ query: '{ __typename }', extensions: {} })).status, 200, 'extensions: {} is taken')
  t.equal((await gql({ query: '{ __typename }', extensions: 'x' })).status, 400, 'extensions that are not a map are refused')

  const refused = (name: string, r: Awaited<ReturnType<typeof gql>>, pattern: RegExp) => {
    t.equal(r.status, 400, `${name}: 400`)
    t.equal(r.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', `${name}: GRAPHQL_VALIDATION_FAILED`)
    t.match(r.body.errors?.[0]?.message, pattern, `${name}: says why`)
    t.equal(r.statements, 0, `${name}: no SQL ran`)
  }
  refused('two __schema selections', await gql({ query: '{ a: __schema { types { name } } b: __schema { types { name } } }' }), /__schema/)
  refused('two __schema selections through a fragment', await gql({ query: '{ a: __schema { types { name } } ...F } fragment F on Query { b: __schema { types { name } } }' }), /__schema/)
  let deep = 'name'
  for (let i = 0; i < INTROSPECTION_DEPTH_LIMIT; i++) deep = `fields { type { ${deep} } }`
  refused('introspection nested too deep', await gql({ query: `{ __schema { types { ${deep} } } }` }), /introspection nests/)
  const aliases = Array.from({ length: GRAPHQL_LIMITS.aliases + 1 }, (_, i) => `t${i}: __type(name: "Event") { name }`).join(' ')
  refused('too many aliased __type', await gql({ query: `{ ${aliases} }` }), /aliases/i)
})

t.test('when the SDL is asked for, then /schema.graphql serves schema.graphql byte for byte to any origin', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'GET', url: '/schema.graphql', headers: { origin: 'https://codegen.example.net' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/graphql; charset=utf-8')
  t.equal(res.body, sdl)
  t.equal(res.headers['access-control-allow-origin'], '*')
  t.equal((await app.inject({ method: 'HEAD', url: '/schema.graphql' })).statusCode, 200)
})

t.test('when a deployment keeps introspection to signed-in callers, then the public is refused, cached documents too', async (t) => {
  const { app } = await build(t, { env: { GRAPHQL_INTROSPECTION: 'signed-in' } })
  const gql = async (query: string, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/graphql', headers, payload: { query } })
  const introspection = '{ __schema { types { name } } }'
  const refused = await gql(introspection)
  t.equal(refused.statusCode, 400)
  t.match(refused.json().errors[0].message, /Introspection is not available/)
  const signedIn = await gql(introspection, await bearer({ role: 'analyst' }))
  t.equal(signedIn.statusCode, 200, 'a signed-in caller may introspect')
  t.equal((await gql(introspection)).statusCode, 400, 'a cached document is still refused to the public')
})
