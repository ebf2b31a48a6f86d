// The edge's control-character rule for GraphQL: string literals in the document and variable values, by field kind.
import { Kind, visit, type DocumentNode } from 'graphql'
import { controlCharacterError, hasControlCharacter, kindOf, refuseControlCharacters } from '../text-guard.ts'

/** A mercurius preExecution hook (it runs for cached documents too); throws VALIDATION_FAILED naming the field. */
export async function refuseControlCharactersInGraphql(_schema: unknown, document: DocumentNode, _context: unknown, variables?: Record<string, unknown>) {
  if (variables) for (const [name, value] of Object.entries(variables)) refuseControlCharacters(value, [`$${name}`])
  // The names of the arguments and input fields a literal sits in, outermost first.
  const path: string[] = []
  visit(document, {
    Argument: { enter: (node) => void path.push(node.name.value), leave: () => void path.pop() },
    ObjectField: { enter: (node) => void path.push(node.name.value), leave: () => void path.pop() },
    VariableDefinition: { enter: (node) => void path.push(`$${node.variable.name.value}`), leave: () => void path.pop() },
    [Kind.STRING]: (node) => {
      const kind = kindOf(path)
      if (hasControlCharacter(node.value, kind)) throw controlCharacterError(path.join('.') || '(literal)', kind)
    },
  })
}
