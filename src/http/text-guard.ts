// Control characters are refused at the edge, naming the field: NUL never reaches PostgreSQL, one-line fields hold no line breaks.
import { AppError } from '../errors.ts'

/** Fields of running text (and their translations), where TAB, LF and CR are allowed; every other field is one line. */
const multiLineFields = new Set(['body', 'publishedBody', 'description', 'summary', 'rationale', 'note', 'reason', 'comment', 'details', 'statement', 'text', 'message'])

/** NUL, the other C0 controls and DEL; running text keeps TAB, LF and CR. */
const ONE_LINE = /[\u0000-\u001f\u007f]/
const MULTI_LINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/
const MAX_DEPTH = 32

export type TextKind = 'one-line' | 'multi-line'

/** A BCP 47 tag, the key of a translation map (`description.en`, `title.zh-Hant`). */
const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/
const INDEX = /^\d+$/

/** The field a value belongs to: its own name, where list indices and a translation's tag or `text` stand for the field translated. */
export function fieldNameOf(path: readonly string[]): string | undefined {
  let i = path.length - 1
  while (i > 0 && INDEX.test(path[i]!)) i--
  if (i > 0 && (LANGUAGE_TAG.test(path[i]!) || path[i] === 'text')) i--
  while (i > 0 && INDEX.test(path[i]!)) i--
  return path[i]
}

/** A field is running text when its own name is one (`input.body`, `description.en`), not when an ancestor's is. */
export const kindOf = (path: readonly string[]): TextKind => (multiLineFields.has(fieldNameOf(path) ?? '') ? 'multi-line' : 'one-line')

export const hasControlCharacter = (text: string, kind: TextKind) => (kind === 'one-line' ? ONE_LINE : MULTI_LINE).test(text)

export function controlCharacterError(field: string, kind: TextKind): AppError {
  const message = kind === 'one-line' ? 'must not contain control characters or line breaks' : 'must not contain control characters other than tab and line breaks'
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, { errors: [{ field, message }] })
}

/** Throws VALIDATION_FAILED for the first string (or object key) in `value` that holds a control character its field may not. */
export function refuseControlCharacters(value: unknown, path: string[] = [], kind: (path: string[]) => TextKind = kindOf, depth = 0): void {
  if (typeof value === 'string') {
    const k = kind(path)
    if (hasControlCharacter(value, k)) throw controlCharacterError(path.join('.') || '(body)', k)
    return
  }
  if (value === null || typeof value !== 'object') return
  // Deeper than any input this API takes: refused rather than left unchecked.
  if (depth > MAX_DEPTH) throw new AppError('VALIDATION_FAILED', `${path.join('.')}: is nested too deeply`, { errors: [{ field: path.join('.'), message: 'is nested too deeply' }] })
  if (Array.isArray(value)) {
    value.forEach((item, i) => refuseControlCharacters(item, [...path, String(i)], kind, depth + 1))
    return
  }
  for (const [key, item] of Object.entries(value)) {
    // Keys become JSON keys in the database (translations): they are one line too.
    if (hasControlCharacter(key, 'one-line')) throw controlCharacterError([...path, '(key)'].join('.'), 'one-line')
    refuseControlCharacters(item, [...path, key], kind, depth + 1)
  }
}

/** Query strings and path parameters are always one line; bodies (JSON or form) by field kind. */
export function refuseControlCharactersInRequest(request: { query?: unknown; params?: unknown; body?: unknown }): void {
  const oneLine = () => 'one-line' as const
  refuseControlCharacters(request.params, [], oneLine)
  refuseControlCharacters(request.query, [], oneLine)
  refuseControlCharacters(request.body)
}
