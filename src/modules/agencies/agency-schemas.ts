// Input schemas for agency and area administration: profiles, areas and their GeoJSON boundaries.
import { z } from 'zod'
import { areaKinds } from '../../db/schema/agencies.ts'
import { ageBands, genders, raceEthnicities } from '../../db/schema/people.ts'
import { httpsUrl, languageTag, timeZone, uuid } from '../shared/validation.ts'

/** A boundary may hold at most this many positions (a detailed city beat has a few hundred). */
export const MAX_BOUNDARY_POSITIONS = 10_000

const longitude = z.number().min(-180, { error: 'longitude must be between -180 and 180' }).max(180, { error: 'longitude must be between -180 and 180' })
const latitude = z.number().min(-90, { error: 'latitude must be between -90 and 90' }).max(90, { error: 'latitude must be between -90 and 90' })
/** [longitude, latitude] (WGS 84, GeoJSON's order), optionally an altitude. */
const position = z.union([z.tuple([longitude, latitude]), z.tuple([longitude, latitude, z.number()])], { error: 'must be [longitude, latitude]' })
/** A closed ring: four positions or more, the last the same as the first (RFC 7946 §3.1.6). */
const ring = z
  .array(position)
  .min(4, { error: 'a linear ring has at least four positions' })
  .max(MAX_BOUNDARY_POSITIONS)
  .refine((r) => r.length < 4 || (r[0]![0] === r[r.length - 1]![0] && r[0]![1] === r[r.length - 1]![1]), { error: 'a linear ring must end where it starts (closed)' })
const polygon = z.array(ring).min(1, { error: 'a polygon has an outer ring' }).max(100)
const bbox = z.array(z.number()).min(4).max(6).optional()

export const boundary = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('Polygon'), coordinates: polygon, bbox }),
    z.strictObject({ type: z.literal('MultiPolygon'), coordinates: z.array(polygon).min(1).max(1000), bbox }),
  ], { error: 'must be a GeoJSON Polygon or MultiPolygon' })
  .superRefine((g, ctx) => {
    const rings = g.type === 'Polygon' ? g.coordinates : g.coordinates.flat()
    const count = rings.reduce((n, r) => n + r.length, 0)
    if (count > MAX_BOUNDARY_POSITIONS) ctx.addIssue({ code: 'custom', message: `has ${count} positions; at most ${MAX_BOUNDARY_POSITIONS}` })
  })
export type Boundary = z.output<typeof boundary>

const contact = z.strictObject({
  email: z.email({ error: 'must be an email address' }).max(320).optional(),
  phone: z.string().trim().min(3).max(40).regex(/^[+0-9 ()./-]+$/, { error: 'must be a phone number' }).optional(),
  url: httpsUrl.optional(),
  address: z.string().trim().min(1).max(500).optional(),
})

const profile = {
  name: z.string().trim().min(1).max(200),
  jurisdiction: z.string().trim().min(1).max(200),
  timeZone,
  defaultLanguage: languageTag,
  supportedLanguages: z.array(languageTag).min(1).max(20),
  contact,
  /** Days after an event ends during which its survey takes answers. */
  surveyWindowDays: z.int().min(1).max(365),
  /** Survey estimates by area and cycle: withheld under `withheldBelow` responses, flagged under `flaggedBelow`. */
  reliabilityTiers: z
    .strictObject({ withheldBelow: z.int().min(1).max(100_000), flaggedBelow: z.int().min(1).max(100_000) })
    .refine((t) => t.withheldBelow <= t.flaggedBelow, { error: 'withheldBelow must not be above flaggedBelow', path: ['withheldBelow'] }),
}

const defaultSupported = (v: { defaultLanguage?: string; supportedLanguages?: string[] }) =>
  v.defaultLanguage === undefined || v.supportedLanguages === undefined || v.supportedLanguages.includes(v.defaultLanguage)
const defaultSupportedIssue = { error: 'must be one of supportedLanguages', path: ['defaultLanguage'] }

export const createAgencyInput = z
  .strictObject({
    slug: z.string().min(2).max(63).regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, { error: 'must be lowercase letters, digits and inner hyphens' }),
    ...profile,
    contact: contact.default({}),
    surveyWindowDays: profile.surveyWindowDays.default(14),
    reliabilityTiers: profile.reliabilityTiers.default({ withheldBelow: 30, flaggedBelow: 50 }),
  })
  .refine(defaultSupported, defaultSupportedIssue)

/** A profile change: any of the fields; the slug names the agency in URLs and tokens and does not change. */
export const updateAgencyInput = z
  .strictObject({ ...profile, contact: contact.optional() })
  .partial()
  .refine((v) => Object.keys(v).length > 0, { error: 'name at least one field to change' })

/** Counts per category of one dimension: whole people, at least one category, not all zero. */
const counts = <K extends z.ZodType<string>>(category: K) =>
  z
    .partialRecord(category, z.int().min(0).max(1_000_000_000))
    .refine((c) => Object.keys(c).length > 0, { error: 'name at least one category' })
    .refine((c) => Object.values(c).some((n) => (n ?? 0) > 0), { error: 'counts at least one person' })
const answered = <T extends readonly string[]>(codes: T) => z.enum(codes.filter((c) => c !== 'prefer_not_to_say') as [T[number], ...T[number][]])

/** Population margins an agency loads for an area (from census tables), the targets survey answers are weighted to. */
export const population = z.strictObject({
  source: z.string().trim().min(1).max(300),
  margins: z
    .strictObject({
      ageBand: counts(answered(ageBands)).optional(),
      gender: counts(answered(genders)).optional(),
      raceEthnicity: counts(answered(raceEthnicities)).optional(),
      language: counts(languageTag).optional(),
    })
    .refine((m) => Object.keys(m).length > 0, { error: 'give at least one dimension' }),
})

const areaFields = {
  code: z.string().trim().min(1).max(32).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: 'must be letters, digits, _ . or -' }),
  name: z.string().trim().min(1).max(200),
  kind: z.enum(areaKinds),
  parentId: uuid.nullable(),
  boundary: boundary.nullable(),
  population: population.nullable(),
}

export const createAreaInput = z.strictObject({ ...areaFields, parentId: areaFields.parentId.optional(), boundary: areaFields.boundary.optional(), population: areaFields.population.optional() })
export const updateAreaInput = z
  .strictObject(areaFields)
  .partial()
  .refine((v) => Object.keys(v).length > 0, { error: 'name at least one field to change' })

/** The areas list is one page: no limit or cursor (an unknown parameter, such as limit, is refused rather than ignored). */
export const areaListQuery = z.strictObject({ kind: z.array(z.enum(areaKinds)).max(10).optional(), within: uuid.optional() })
