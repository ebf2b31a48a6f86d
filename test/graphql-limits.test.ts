// GraphQL abuse limits: abusive documents are refused with 400 before any resolver (or SQL) runs.
import t from 'tap'
import { GRAPHQL_LIMITS } from '../src/http/graphql/abuse-limits.ts'
import { build } from './helpers/build.ts'

t.test('when a document is abusive, then it is refused before any resolver runs', async (t) => {
  const { app, database } = await build(t)
  const gql = async (query: string, headers: Record<string, string> = {}) => {
    const before = database.statements.count
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', ...headers }, payload: { query } })
    return { status: res.statusCode, body: JSON.parse(res.body), statements: database.statements.count - before }
  }
  const refused = (name: string, r: Awaited<ReturnType<typeof gql>>, pattern: RegExp) => {
    t.equal(r.status, 400, `${name}: 400`)
    t.equal(r.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', `${name}: GRAPHQL_VALIDATION_FAILED`)
    t.match(r.body.errors?.[0]?.message, pattern, `${name}: says why`)
    t.equal(r.statements, 0, `${name}: no SQL ran`)
    t.notOk(r.body.data, `${name}: no data`)
  }

  const aliases = Array.from({ length: GRAPHQL_LIMITS.aliases + 1 }, (_, i) => `a${i}: agencies { slug }`).join(' ')
  refused('too many aliases', await gql(`{ ${aliases} }`), /aliases/i)
  const tokens = `{ ${Array.from({ length: GRAPHQL_LIMITS.tokens }, () => '__typename').join(' ')} }`
  refused('too many tokens', await gql(tokens), /tokens/i)
  const directives = `{ agencies ${Array.from({ length: GRAPHQL_LIMITS.directives + 1 }, () => '@include(if: true)').join(' ')} { slug } }`
  refused('too many directives', await gql(directives), /directives/i)
  const wide = Array.from({ length: 14 }, (_, i) => `e${i}: events(first: 100) { edges { node { id title agency { name areas { code name } } series { title } } } }`).join(' ')
  refused('too costly', await gql(`{ ${wide} }`), /cost/i)

  // Introspection (open to everyone, within these limits) is held to them in graphql-introspection.test.ts.

  const typo = await gql('{ agencie { slug } }')
  t.equal(typo.status, 400)
  t.notMatch(JSON.stringify(typo.body), /Did you mean/, 'no field suggestions')

  const fine = await gql('{ agencies { slug } }')
  t.equal(fine.status, 200, 'an ordinary document runs')
})
