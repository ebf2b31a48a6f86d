// Literals taken out of a document as variables: documents that differ only in them share a shape, and the hoisted
// document with the request's literals as variables reads exactly what the written document reads.
import { buildSchema, getVariableValues, Kind, parse, print, validate, type OperationDefinitionNode } from 'graphql'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { hoist, shapeOf, withLiterals } from '../src/http/graphql/literal-shapes.ts'

const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'))
const MAX_TOKENS = 10_000

/** The written document's argument values, and the hoisted document's with the request's literals as its variables. */
function bothReadings(query: string, given: Record<string, unknown> = {}) {
  const shape = shapeOf(query, MAX_TOKENS)!
  const written = parse(query)
  const hoisted = hoist(schema, shape, written)!
  const operation = hoisted.document.definitions[0] as OperationDefinitionNode
  const variables = withLiterals(hoisted.slots, shape.literals, given)
  return { shape, hoisted, written, variables, coerced: getVariableValues(schema, operation.variableDefinitions ?? [], variables) }
}

t.test('when documents differ only in their literals, then they share one shape and each keeps its values', async (t) => {
  const a = shapeOf('{ event(id: "a") { id decisions(language: "es") { id } } }', MAX_TOKENS)!
  const b = shapeOf('{event(id:"b"){id  decisions(language:"fr"){id}}} # a comment', MAX_TOKENS)!
  t.equal(a.key, b.key, 'one shape, whatever the spacing and comments')
  t.same(a.literals, [{ number: false, text: 'a' }, { number: false, text: 'es' }])
  t.same(b.literals, [{ number: false, text: 'b' }, { number: false, text: 'fr' }])
  t.not(shapeOf('{ event(id: 1) { id } }', MAX_TOKENS)!.key, shapeOf('{ event(id: "1") { id } }', MAX_TOKENS)!.key, 'a number and a string are not one shape')
  t.not(shapeOf('{ event(id: 1) { id } }', MAX_TOKENS)!.key, shapeOf('{ event(id: 1.5) { id } }', MAX_TOKENS)!.key, 'an integer and a float are not one shape')
  t.not(shapeOf('{ event(id: "1") { id } }', MAX_TOKENS)!.key, shapeOf('{ events(id: "1") { id } }', MAX_TOKENS)!.key, 'names are part of the shape')
})

t.test("when a page size is written as an integer, then it is part of the shape, as the cost limit reads it", async (t) => {
  const page = (n: string) => shapeOf(`{ events(first: ${n}) { nodes { id feedback(last: # why\n ${n}) { totalCount } } } }`, MAX_TOKENS)!
  t.not(page('3').key, page('100').key, 'first: 3 and first: 100 are two shapes')
  t.same(page('3').literals, [], 'and not literals to take out, comments between or not')
  const { hoisted, variables } = bothReadings('{ events(first: 100, filter: { areaId: ["x"] }) { nodes { id } } }')
  t.match(print(hoisted.document), /first: 100/, 'kept in the hoisted document')
  t.same(variables, { __literal0: 'x' })
  t.equal(shapeOf('{ e: event(id: """x""") { id } }', MAX_TOKENS)!.literals[0]!.text, 'x', 'a block string is a string')
})

t.test('when a document has no shape to share, then none is made', async (t) => {
  t.equal(shapeOf('query ($n: Int = 5) { events(first: $n) { nodes { id } } }', MAX_TOKENS), undefined, "a variable's default is a literal that is not an argument")
  t.equal(shapeOf('{ events { nodes { id } } }', 5), undefined, 'more tokens than allowed')
  t.equal(shapeOf('{ event(id: "unterminated) { id } }', MAX_TOKENS), undefined, 'a string that does not end')
  t.equal(shapeOf('{ a \u0000 }', MAX_TOKENS), undefined, 'a character GraphQL has no token for')
})

t.test('when literals become variables, then each has its position’s type and reads as the literal did', async (t) => {
  const { hoisted, variables, coerced } = bothReadings(
    '{ event(id: 42) { id feedback(first: 2) { totalCount } } events(first: 5, filter: { areaId: ["x", "y"], from: "2000-01-01T00:00:00Z", near: { latitude: 40.5, longitude: -91 }, radius: 5000 }) { nodes { id } } }',
  )
  const operation = hoisted.document.definitions[0] as OperationDefinitionNode
  t.same(
    operation.variableDefinitions!.map((d) => print(d)),
    ['$__literal0: ID!', '$__literal1: ID!', '$__literal2: ID!', '$__literal3: DateTime', '$__literal4: Float!', '$__literal5: Float!', '$__literal6: Int'],
  )
  t.same(validate(schema, hoisted.document), [], 'the hoisted document is valid')
  t.same(
    variables,
    { __literal0: '42', __literal1: 'x', __literal2: 'y', __literal3: '2000-01-01T00:00:00Z', __literal4: 40.5, __literal5: -91, __literal6: 5000 },
    'an integer written for an ID is its text, as ID reads it; an integer written for a Float is a number',
  )
  t.notOk(coerced.errors, 'the literals coerce as variables')
  t.notMatch(print(hoisted.document), /"x"|42/, 'no literal is left in the document')
})

t.test("when a request's literals do not fit where they are written, then coercing them fails as validating them would", async (t) => {
  const { coerced } = bothReadings('{ events(filter: { radius: 99999999999 }) { nodes { id } } }')
  t.ok(coerced.errors?.length, 'an Int out of range is refused')
  t.ok(validate(schema, parse('{ events(filter: { radius: 99999999999 }) { nodes { id } } }')).length > 0, 'as written, too')
  const far = bothReadings('{ events(filter: { near: { latitude: 1e400, longitude: 0 } }) { nodes { id } } }')
  t.ok(far.coerced.errors?.length, 'a Float that is not finite is refused (the read path then leaves the document to mercurius)')
  // DateTime's own reading (the app's scalar) is held to the resolvers' answer in read-path.test.ts.
})

t.test('when literals cannot become variables exactly, then the document is not hoisted', async (t) => {
  const no = (query: string, why: string) => t.equal(hoist(schema, shapeOf(query, MAX_TOKENS)!, parse(query)), undefined, why)
  no('{ events(filter: { from: 1 }) { nodes { id } } }', 'an integer written for a DateTime (read as text as a literal, as a timestamp as a variable)')
  no('query A { event(id: "a") { id } } query B { event(id: "b") { id } }', 'more than one operation')
  no('query ($__literal0: ID!) { a: event(id: $__literal0) { id } b: event(id: "b") { id } }', 'a variable already has the name a literal would take')
  no('{ events(first: "x") { nodes { id } } }', 'a string written for an Int')
  const fragment = bothReadings('query { ...top } fragment top on Query { event(id: "a") { id } }')
  t.same(fragment.variables, { __literal0: 'a' }, 'literals in a fragment of the one operation are hoisted')
  t.equal((fragment.hoisted.document.definitions[0] as OperationDefinitionNode).kind, Kind.OPERATION_DEFINITION)
  t.same(validate(schema, fragment.hoisted.document), [])
})

t.test("when a request has its own variables, then they are kept beside its literals and a name of a literal's is not theirs to set", async (t) => {
  const { variables } = bothReadings('query ($n: Int) { events(first: $n, filter: { areaId: ["x"] }) { nodes { id } } }', { n: 3, __literal0: 'mine' })
  t.same(variables, { n: 3, __literal0: 'x' })
})
