// Inputs the events and series services accept; every object is strict so unknown fields are refused.
import { z } from 'zod'
import { accommodations, eventFormats, eventKinds, eventStatuses } from '../../db/schema/index.ts'
import { httpsUrl, instant, languageTag, timeZone, translations, uuid } from '../shared/validation.ts'
import { countFlag } from '../shared/pagination.ts'

/**
 * An optional field a read returns as null when absent: a write takes null for absent too, so what a client read it
 * can send back (openapi.yaml says where the read and write shapes still differ).
 */
const absent = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined)

const address = z.strictObject({
  street: z.string().max(200).optional(),
  locality: z.string().max(100).optional(),
  region: z.string().max(100).optional(),
  postalCode: z.string().max(20).optional(),
  country: z.string().length(2, 'must be an ISO 3166-1 alpha-2 code').toUpperCase().optional(),
})

export const venueInput = z.strictObject({
  name: absent(z.string().trim().min(1).max(200)),
  address: absent(address),
  geo: absent(z.strictObject({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) })),
})

export const onlineInput = z.strictObject({
  joinUrl: absent(httpsUrl),
  dialIn: absent(
    z.strictObject({
      number: z.string().regex(/^\+?[0-9 ()\-.]{5,30}$/, 'must be a telephone number'),
      accessCode: absent(z.string().max(40)),
    }),
  ),
  captionsUrl: absent(httpsUrl),
})

const topic = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a lowercase topic code')

/** Descriptive fields an event and a series share; all optional here, required-ness is set per command. */
export const contentFields = {
  title: translations(200),
  description: translations(10_000),
  kind: z.enum(eventKinds),
  format: z.enum(eventFormats),
  timeZone,
  venue: venueInput,
  areaId: uuid,
  online: onlineInput,
  languages: z.array(languageTag).max(20),
  interpretation: z.array(languageTag).max(20),
  accommodations: z.array(z.enum(accommodations)).max(accommodations.length),
  capacity: z.int().min(1).max(1_000_000),
  registrationRequired: z.boolean(),
  hostUnit: z.string().trim().min(1).max(200),
  topics: z.array(topic).max(20),
}

/** Partner organizations of the event's agency that co-host it. */
const coHostIds = z
  .array(uuid)
  .max(20)
  .refine((ids) => new Set(ids).size === ids.length, 'names an organization twice')

const MAX_EVENT_MS = 7 * 86_400_000

export const scheduleEventInput = z
  .strictObject({
    title: contentFields.title,
    description: absent(contentFields.description),
    kind: contentFields.kind,
    format: contentFields.format,
    draft: z.boolean().optional(),
    startsAt: instant,
    endsAt: instant,
    timeZone: contentFields.timeZone.optional(),
    venue: absent(contentFields.venue),
    areaId: absent(contentFields.areaId),
    online: absent(contentFields.online),
    languages: contentFields.languages.optional(),
    interpretation: contentFields.interpretation.optional(),
    accommodations: contentFields.accommodations.optional(),
    capacity: absent(contentFields.capacity),
    registrationRequired: contentFields.registrationRequired.optional(),
    hostUnit: absent(contentFields.hostUnit),
    topics: contentFields.topics.optional(),
    coHostIds: coHostIds.optional(),
  })
  .superRefine((v, ctx) => {
    checkTimes(v.startsAt, v.endsAt, ctx)
    checkFormat(v, ctx)
  })
export type ScheduleEventInput = z.output<typeof scheduleEventInput>

/** A PATCH: fields present are changed, null clears an optional field; times and status change only through commands. */
export const updateEventInput = z
  .strictObject({
    title: contentFields.title.optional(),
    description: contentFields.description.nullable().optional(),
    kind: contentFields.kind.optional(),
    format: contentFields.format.optional(),
    venue: contentFields.venue.nullable().optional(),
    areaId: contentFields.areaId.nullable().optional(),
    online: contentFields.online.nullable().optional(),
    languages: contentFields.languages.optional(),
    interpretation: contentFields.interpretation.optional(),
    accommodations: contentFields.accommodations.optional(),
    capacity: contentFields.capacity.nullable().optional(),
    registrationRequired: contentFields.registrationRequired.optional(),
    hostUnit: contentFields.hostUnit.nullable().optional(),
    topics: contentFields.topics.optional(),
    coHostIds: coHostIds.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field')
export type UpdateEventInput = z.output<typeof updateEventInput>

export const rescheduleInput = z
  .strictObject({ startsAt: instant, endsAt: instant, reason: z.string().trim().max(500).optional() })
  .superRefine((v, ctx) => checkTimes(v.startsAt, v.endsAt, ctx))

export const reasonInput = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() })

/** "Near me" radius bounds, in metres: the default, and the largest a list takes (a bounding box stays selective). */
export const NEAR_DEFAULT_RADIUS = 10_000
export const NEAR_MAX_RADIUS = 100_000

const nearLatitude = z.number().min(-90).max(90)
const nearLongitude = z.number().min(-180).max(180)
/** A point as REST sends it ("41.88,-87.63": latitude, longitude) or GraphQL does ({latitude, longitude}). */
const nearPoint = z.union([
  z
    .string()
    .max(60)
    .regex(/^\s*-?\d{1,3}(\.\d+)?\s*,\s*-?\d{1,3}(\.\d+)?\s*$/, { error: 'must be latitude,longitude in decimal degrees, e.g. 41.88,-87.63' })
    .transform((v) => v.split(',').map(Number))
    .pipe(z.tuple([nearLatitude, nearLongitude], { error: 'latitude must be -90 to 90 and longitude -180 to 180' }))
    .transform(([latitude, longitude]) => ({ latitude, longitude })),
  z.strictObject({ latitude: nearLatitude, longitude: nearLongitude }),
], { error: 'must be latitude,longitude in decimal degrees, e.g. 41.88,-87.63' })
export type NearPoint = { latitude: number; longitude: number }

export const eventListQuery = z.strictObject({
  agency: z.string().regex(/^[a-z0-9-]{1,63}$/).optional(),
  from: instant.optional(),
  to: instant.optional(),
  status: z.array(z.enum(eventStatuses)).max(eventStatuses.length).optional(),
  areaId: z.array(uuid).max(50).optional(),
  format: z.array(z.enum(eventFormats)).max(eventFormats.length).optional(),
  kind: z.array(z.enum(eventKinds)).max(eventKinds.length).optional(),
  language: z.array(languageTag).max(20).optional(),
  accommodation: z.array(z.enum(accommodations)).max(accommodations.length).optional(),
  topic: z.array(z.string().max(63)).max(20).optional(),
  seriesId: uuid.optional(),
  organizationId: uuid.optional(),
  q: z.string().trim().min(1).max(200).optional(),
  updatedSince: instant.optional(),
  /** Near me: events whose venue lies within `radius` metres of this point, nearest first, each with its distance. */
  near: nearPoint.optional(),
  radius: z.coerce.number().int().min(1).max(NEAR_MAX_RADIUS).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  count: countFlag,
  cursor: z.string().max(500).optional(),
}).superRefine((q, ctx) => {
  if (q.radius !== undefined && q.near === undefined) ctx.addIssue({ code: 'custom', path: ['radius'], message: 'needs near (a radius around which point?)' })
  if (q.near !== undefined && q.updatedSince !== undefined) ctx.addIssue({ code: 'custom', path: ['near'], message: 'cannot be combined with updatedSince (a sync lists by last change)' })
})
export type EventListQuery = z.output<typeof eventListQuery>

function checkTimes(startsAt: Date, endsAt: Date, ctx: z.RefinementCtx) {
  if (!(startsAt instanceof Date) || !(endsAt instanceof Date)) return // already reported on the field
  if (endsAt.getTime() <= startsAt.getTime()) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' })
  else if (endsAt.getTime() - startsAt.getTime() > MAX_EVENT_MS) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'an event lasts at most 7 days' })
}

/** Online meetings need a way in; in-person meetings need a place. */
export function formatProblems(v: {
  format?: string
  venue?: { name?: string; address?: unknown } | null
  online?: { joinUrl?: string; dialIn?: unknown } | null
}): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = []
  if ((v.format === 'virtual' || v.format === 'hybrid') && !v.online?.joinUrl && !v.online?.dialIn)
    problems.push({ field: 'online', message: `a ${v.format} event needs online.joinUrl or online.dialIn` })
  if ((v.format === 'in_person' || v.format === 'hybrid') && !v.venue?.name && !v.venue?.address)
    problems.push({ field: 'venue', message: `${v.format === 'hybrid' ? 'a hybrid' : 'an in-person'} event needs venue.name or venue.address` })
  return problems
}

export function checkFormat(v: Parameters<typeof formatProblems>[0], ctx: z.RefinementCtx) {
  for (const p of formatProblems(v)) ctx.addIssue({ code: 'custom', path: [p.field], message: p.message })
}

const localDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'must be a local date-time such as 2026-03-10T18:30 (in the series time zone)')
  .refine((s) => !Number.isNaN(Date.parse(`${s}:00Z`)) && new Date(`${s}:00Z`).toISOString().startsWith(s), { message: 'is not a real date and time', abort: true })

const placeInput = z.strictObject({
  venue: contentFields.venue.optional(),
  areaId: contentFields.areaId.optional(),
  online: contentFields.online.optional(),
})
export type PlaceInput = z.output<typeof placeInput>

export const recurrenceInput = z.strictObject({
  rule: z.string().trim().min(6).max(500),
  start: localDateTime,
  durationMinutes: z.int().min(5).max(24 * 60),
  exceptions: z.array(localDateTime).max(400).default([]),
})

export const overrideInput = z.strictObject({
  /** The local start the rule gives the occurrence being changed. */
  occurrence: localDateTime,
  start: localDateTime.optional(),
  durationMinutes: z.int().min(5).max(24 * 60).optional(),
  format: contentFields.format.optional(),
  venue: contentFields.venue.optional(),
  areaId: contentFields.areaId.optional(),
  online: contentFields.online.optional(),
  cancelled: z.boolean().optional(),
})
export type OverrideInput = z.output<typeof overrideInput>

const seriesFields = {
  title: contentFields.title,
  description: contentFields.description.optional(),
  kind: contentFields.kind,
  format: contentFields.format,
  timeZone: contentFields.timeZone.optional(),
  venue: contentFields.venue.optional(),
  areaId: contentFields.areaId.optional(),
  online: contentFields.online.optional(),
  languages: contentFields.languages.optional(),
  interpretation: contentFields.interpretation.optional(),
  accommodations: contentFields.accommodations.optional(),
  capacity: contentFields.capacity.optional(),
  registrationRequired: contentFields.registrationRequired.optional(),
  hostUnit: contentFields.hostUnit.optional(),
  topics: contentFields.topics.optional(),
  recurrence: recurrenceInput,
  /** Meetings rotate through these places in turn: the rule's n-th occurrence (exceptions counted) meets at rotation[n mod length]. */
  rotation: z.array(placeInput).max(52),
  overrides: z.array(overrideInput).max(400),
  /** Partner organizations that co-host every occurrence, as coHostIds does on an event. */
  coHostIds: coHostIds.optional(),
}

export const createSeriesInput = z
  .strictObject({ ...seriesFields, rotation: seriesFields.rotation.default([]), overrides: seriesFields.overrides.default([]) })
  .superRefine((v, ctx) => {
    const seen = new Set<string>()
    v.overrides.forEach((o, i) => {
      if (seen.has(o.occurrence)) ctx.addIssue({ code: 'custom', path: ['overrides', i, 'occurrence'], message: 'is overridden twice' })
      seen.add(o.occurrence)
    })
  })
export type CreateSeriesInput = z.output<typeof createSeriesInput>

export const updateSeriesInput = z
  .strictObject(Object.fromEntries(Object.entries(seriesFields).map(([k, s]) => [k, s.optional()])) as {
    [K in keyof typeof seriesFields]: z.ZodOptional<(typeof seriesFields)[K]>
  })
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field')
export type UpdateSeriesInput = z.output<typeof updateSeriesInput>

export const seriesListQuery = z.strictObject({
  agency: z.string().regex(/^[a-z0-9-]{1,63}$/).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  count: countFlag,
  cursor: z.string().max(500).optional(),
})
