// Documents that differ only in their literals (an id, a date, a search text written inline) share one shape: the
// literals become variables, so the read path parses, validates and plans a shape once, not once per id.
import {
  getNamedType,
  Kind,
  Lexer,
  parseType,
  Source,
  TokenKind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FloatValueNode,
  type GraphQLSchema,
  type IntValueNode,
  type StringValueNode,
  type Token,
  type VariableDefinitionNode,
} from 'graphql'

/** A literal as the lexer read it: a string's value, or a number as written. */
type Literal = { number: boolean; text: string }
/**
 * A query's tokens with each literal a placeholder (its kind kept, so validity cannot differ within a shape), its
 * literals, and where each starts in the query (to find them in its parsed document).
 */
export type Shape = { key: string; literals: Literal[]; starts: number[] }

/**
 * The shape of a query, or undefined when it has none to share: a variable's default is written in it (a literal
 * that is not an argument), it has more than `maxTokens` tokens, or it does not lex.
 */
export function shapeOf(query: string, maxTokens: number): Shape | undefined {
  const lexer = new Lexer(new Source(query))
  const literals: Literal[] = []
  const starts: number[] = []
  let key = ''
  try {
    for (let token = lexer.advance(), n = 1; token.kind !== TokenKind.EOF; token = lexer.advance(), n++) {
      if (n > maxTokens) return undefined
      if (pageSize(token)) {
        key += ` ${token.value}`
        continue
      }
      switch (token.kind) {
        case TokenKind.STRING:
        case TokenKind.BLOCK_STRING:
          literals.push({ number: false, text: token.value })
          starts.push(token.start)
          key += ' \u0001s'
          break
        case TokenKind.INT:
        case TokenKind.FLOAT:
          literals.push({ number: true, text: token.value })
          starts.push(token.start)
          key += token.kind === TokenKind.INT ? ' \u0001i' : ' \u0001f'
          break
        case TokenKind.EQUALS:
          return undefined
        case TokenKind.NAME:
          key += ` ${token.value}`
          break
        default:
          key += ` ${token.kind}`
      }
    }
  } catch {
    return undefined
  }
  return { key, literals, starts }
}

/**
 * A page size written as an integer (`first: 100`) is kept as written, part of the shape: GraphQL Armor's cost limit
 * multiplies by it (abuse-limits.ts), so a document's cost must be validated with it.
 */
function pageSize(token: Token): boolean {
  if (token.kind !== TokenKind.INT) return false
  const colon = before(token)
  const name = colon?.kind === TokenKind.COLON ? before(colon) : undefined
  return name?.kind === TokenKind.NAME && (name.value === 'first' || name.value === 'last')
}
/** The token before this one, comments skipped (the lexer links them in). */
function before(token: Token): Token | null {
  let prev = token.prev
  while (prev?.kind === TokenKind.COMMENT) prev = prev.prev
  return prev
}

/** Where a literal went: the variable it became, and whether a number written for an ID is passed as its text. */
type Slot = { name: string; text: boolean }
/** A document with its literals as variables, in the order the lexer met them. */
export type Hoisted = { document: DocumentNode; slots: Slot[] }

// Types whose literal and variable readings agree: a string or number literal reads as the same value passed as a
// variable. Other scalars may read a literal differently (DateTime takes an integer literal as its text).
const STRING_TYPES = new Set(['String', 'ID', 'DateTime'])
const NUMBER_TYPES = new Set(['Int', 'Float', 'ID'])

/**
 * The document (parsed from the query `shape` was read from) with every literal a variable of its position's type;
 * undefined when that cannot be done exactly: more than one operation, a literal of a type read otherwise as a
 * variable, a name already taken.
 */
export function hoist(schema: GraphQLSchema, shape: Shape, document: DocumentNode): Hoisted | undefined {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)
  if (operations.length !== 1) return undefined
  const starts = new Map(shape.starts.map((start, i) => [start, i]))
  const taken = new Set(operations[0]!.variableDefinitions?.map((v) => v.variable.name.value))
  const slots: Slot[] = []
  const definitions: VariableDefinitionNode[] = []
  const typeInfo = new TypeInfo(schema)
  let exact = true
  const replace = (node: StringValueNode | IntValueNode | FloatValueNode) => {
    const index = starts.get(node.loc?.start ?? -1)
    // An integer the shape did not take out is a page size, kept as written.
    if (index === undefined && node.kind === Kind.INT) return undefined
    const type = typeInfo.getInputType()
    const named = type && getNamedType(type).name
    const name = `__literal${index}`
    if (index === undefined || !named || taken.has(name) || !(node.kind === Kind.STRING ? STRING_TYPES : NUMBER_TYPES).has(named)) {
      exact = false
      return undefined
    }
    slots[index] = { name, text: node.kind !== Kind.STRING && named === 'ID' }
    const variable = { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: name } } as const
    definitions[index] = { kind: Kind.VARIABLE_DEFINITION, variable, type: parseType(String(type)) }
    return variable
  }
  const replaced = visit(document, visitWithTypeInfo(typeInfo, { StringValue: replace, IntValue: replace, FloatValue: replace }))
  if (!exact || Object.keys(slots).length !== starts.size) return undefined
  return {
    slots,
    document: {
      ...replaced,
      definitions: replaced.definitions.map((d) =>
        d.kind === Kind.OPERATION_DEFINITION ? { ...d, variableDefinitions: [...(d.variableDefinitions ?? []), ...definitions] } : d,
      ),
    },
  }
}

/** The variables a request runs its hoisted document with: its own, and its literals under their slots' names. */
export function withLiterals(slots: Slot[], literals: Literal[], given: Record<string, unknown>): Record<string, unknown> {
  if (slots.length === 0) return given
  const variables = { ...given }
  slots.forEach((slot, i) => {
    const literal = literals[i]!
    // Number() reads a lexed integer or float as parseInt and parseFloat do in graphql's own literal readings.
    variables[slot.name] = literal.number && !slot.text ? Number(literal.text) : literal.text
  })
  return variables
}
