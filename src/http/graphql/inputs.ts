// GraphQL arguments → the plain inputs the services validate. Field names are REST's, so only shapes change here.
import { AppError, validationFailed } from '../../errors.ts'

type TranslationInput = { language: string; text: string }
const translatable = ['title', 'description'] as const

/**
 * An input object as a service takes it: translation lists become {language: text} maps, and a null inside a
 * nested object means "not given". At the top level null means "clear" in updates, "not given" in creates.
 */
export function serviceInput(input: Record<string, unknown>, { nullClears }: { nullClears: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(input)) {
    if (value === null) {
      if (nullClears) out[field] = null
    } else if ((translatable as readonly string[]).includes(field)) out[field] = translationMap(field, value as TranslationInput[])
    else out[field] = withoutNulls(value)
  }
  return out
}

function translationMap(field: string, list: TranslationInput[]): Record<string, string> {
  const seen = new Set<string>()
  for (const { language } of list) {
    if (seen.has(language)) throw validationFailed([{ field: `${field}.${language}`, message: 'is given more than once' }])
    seen.add(language)
  }
  return Object.fromEntries(list.map(({ language, text }) => [language, text]))
}

/** Drops null fields of objects, at any depth (lists keep their items). */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]))
}

/** A command's optional reason: a null argument means none given. */
export const reasonInput = (reason: string | null | undefined) => (reason == null ? {} : { reason })

/** Runs a service call, naming fields of a VALIDATION_FAILED as GraphQL callers wrote them (limit → first). */
export async function namedAsArguments<T>(renames: Record<string, string>, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'VALIDATION_FAILED' || !err.extra.errors) throw err
    const rename = (field: string) => {
      const [head, ...rest] = field.split('.')
      return [renames[head!] ?? head, ...rest].join('.')
    }
    throw validationFailed(err.extra.errors.map((e) => ({ ...e, field: rename(e.field) })))
  }
}
