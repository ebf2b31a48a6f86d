// Reusable zod pieces and the one place zod issues become AppError field errors.
import { z } from 'zod'
import { validationFailed } from '../../errors.ts'
import { isTimeZone } from '../../time.ts'

/**
 * How many distinct tags and zones are remembered, and how long each may be: a request can send new ones, but cannot
 * make the memory grow (zod runs a refinement even after a failed max(), so an overlong value reaches it too).
 */
const REMEMBERED = { entries: 10_000, length: 64 }
const remember = <V>(memo: Map<string, V>, key: string, value: V) => {
  if (memo.size < REMEMBERED.entries && key.length <= REMEMBERED.length) memo.set(key, value)
  return value
}
const canonicalTags = new Map<string, string>()
/** Intl's canonical form of a language tag, or '' when it is not one ('' is remembered too, unlike undefined). */
const canonicalOrEmpty = (tag: string) => {
  try {
    const list = Intl.getCanonicalLocales(tag)
    return list.length === 1 ? list[0]! : ''
  } catch {
    return ''
  }
}
/** Intl's canonical form of a language tag, or undefined: remembered, as Intl takes microseconds a call and requests repeat a few tags. */
const canonicalTag = (tag: string): string | undefined => (canonicalTags.get(tag) ?? remember(canonicalTags, tag, canonicalOrEmpty(tag))) || undefined

const TAG_LENGTH = { min: 2, max: 35 }
const isLanguageTag = (tag: string) => tag.length >= TAG_LENGTH.min && tag.length <= TAG_LENGTH.max && canonicalTag(tag) !== undefined

export const languageTag = z
  .string()
  .min(TAG_LENGTH.min)
  .max(TAG_LENGTH.max)
  .refine((tag) => canonicalTag(tag) !== undefined, { message: 'must be a BCP 47 language tag such as en, es-MX or ase', abort: true })
  .transform((tag) => canonicalTag(tag)!)

const zones = new Map<string, boolean>()
/** isTimeZone, remembered (Temporal takes about 20 µs to say). */
const knownTimeZone = (tz: string) => zones.get(tz) ?? remember(zones, tz, isTimeZone(tz))

export const timeZone = z.string().max(64).refine(knownTimeZone, { message: 'must be an IANA time zone such as America/Chicago', abort: true })

/** An instant with an explicit offset; impossible calendar dates (2026-02-30) are refused, not rolled over. */
export const instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with an offset, e.g. 2026-03-10T18:30:00-05:00' })
  .refine((s) => {
    const [y, m, d] = s.slice(0, 10).split('-').map(Number)
    const probe = new Date(Date.UTC(y!, m! - 1, d!))
    return probe.getUTCFullYear() === y && probe.getUTCMonth() === m! - 1 && probe.getUTCDate() === d
  }, { message: 'is not a real calendar date', abort: true })
  .transform((s) => new Date(s))

/** Translatable text: at least one language; keys are BCP 47 tags. */
export const translations = (max: number) =>
  z
    .record(z.string(), z.string().trim().min(1).max(max))
    .superRefine((rec, ctx) => {
      const keys = Object.keys(rec)
      if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'needs the text in at least one language, e.g. {"en": "…"}' })
      if (keys.length > 40) ctx.addIssue({ code: 'custom', message: 'has too many languages' })
      for (const k of keys) if (!isLanguageTag(k)) ctx.addIssue({ code: 'custom', path: [k], message: 'is not a BCP 47 language tag' })
    })
    // Keys are stored in canonical case (EN-us → en-US), so negotiation compares like with like.
    .transform((rec) => Object.fromEntries(Object.entries(rec).map(([k, v]) => [canonicalTag(k)!, v])))

export const httpsUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048)

export const uuid = z.uuid({ error: 'must be a UUID' })

/** Parses input with a schema, or throws VALIDATION_FAILED naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const field = (path: PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('.') || '(body)'
  throw validationFailed(
    result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((k) => ({ field: field([...issue.path, k]), message: 'is not a known field' }))
        : [{ field: field(issue.path), message: issue.message }],
    ),
  )
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** An id that is not even a UUID names nothing: answer as for any unknown id. */
export function isUuid(id: string): boolean {
  return uuidPattern.test(id)
}
