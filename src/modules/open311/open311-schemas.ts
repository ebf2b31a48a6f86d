// Open311 GeoReport v2 parameters, as the spec names them; strict, so a parameter this server does not support is refused.
import { z } from 'zod'
import { topicCode } from '../topics/topics-schemas.ts'
import { instant, uuid } from '../shared/validation.ts'

/** A comma-delimited list (the spec's convention for multi-valued parameters). */
const commaList = <T extends z.ZodType<unknown, string>>(item: T, max: number) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(item).min(1).max(max))

/** The agency's slug; required only when the server hosts more than one agency. */
const jurisdictionId = z.string().max(100).optional()
/** Accepted for compatibility with clients that always send one; reads and anonymous reports need no key. */
const apiKey = z.string().max(500).optional()

export const open311Query = z.strictObject({ jurisdiction_id: jurisdictionId, api_key: apiKey })

export const open311RequestsQuery = z.strictObject({
  jurisdiction_id: jurisdictionId,
  api_key: apiKey,
  service_request_id: commaList(uuid, 100).optional(),
  service_code: commaList(topicCode, 20).optional(),
  start_date: instant.optional(),
  end_date: instant.optional(),
  status: commaList(z.enum(['open', 'closed']), 2).optional(),
  /** An extension: requests located in these areas (code or id) or in areas within them. */
  address_id: commaList(z.string().trim().min(1).max(100), 20).optional(),
})
export type Open311RequestsQuery = z.output<typeof open311RequestsQuery>

const coordinate = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^[+-]?\d{1,3}(\.\d{1,12})?$/, 'must be a decimal number (WGS84)')
    .transform(Number)
    .pipe(z.number().min(min).max(max))

export const open311NewRequest = z.strictObject({
  jurisdiction_id: jurisdictionId,
  api_key: apiKey,
  service_code: topicCode,
  description: z.string().trim().min(1, 'is required: say what the request is about').max(4000),
  lat: coordinate(-90, 90).optional(),
  long: coordinate(-180, 180).optional(),
  address_string: z.string().trim().min(1).max(500).optional(),
  /** An area of the agency, by code (D1) or id. */
  address_id: z.string().trim().min(1).max(100).optional(),
  email: z.string().trim().max(320).optional(),
  phone: z.string().trim().max(30).optional(),
  first_name: z.string().trim().max(100).optional(),
  last_name: z.string().trim().max(100).optional(),
  // Device and account ids are accepted from clients that always send them, and never stored (reports stay anonymous).
  device_id: z.string().max(200).optional(),
  account_id: z.string().max(200).optional(),
})
export type Open311NewRequest = z.output<typeof open311NewRequest>
