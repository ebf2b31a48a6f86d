// Maps validated API input (nested venue/online) onto the flat event and series columns.
import type { z } from 'zod'
import type { EventInsert } from './events-repository.ts'
import type { onlineInput, venueInput } from './events-schemas.ts'

type Venue = z.output<typeof venueInput>
type Online = z.output<typeof onlineInput>

export function venueColumns(v: Venue | null | undefined): Partial<EventInsert> {
  if (v === undefined) return {}
  return {
    venueName: v?.name ?? null,
    address: v?.address ?? null,
    latitude: v?.geo?.latitude ?? null,
    longitude: v?.geo?.longitude ?? null,
  }
}

export function onlineColumns(o: Online | null | undefined): Partial<EventInsert> {
  if (o === undefined) return {}
  return { joinUrl: o?.joinUrl ?? null, dialIn: o?.dialIn ?? null, captionsUrl: o?.captionsUrl ?? null }
}

/** Columns for the descriptive fields of an input; absent fields are left out, null clears. */
export function contentColumns(input: {
  title?: Record<string, string>
  description?: Record<string, string> | null
  kind?: EventInsert['kind']
  format?: EventInsert['format']
  timeZone?: string
  venue?: Venue | null
  areaId?: string | null
  online?: Online | null
  languages?: string[]
  interpretation?: string[]
  accommodations?: EventInsert['accommodations']
  capacity?: number | null
  registrationRequired?: boolean
  hostUnit?: string | null
  topics?: string[]
}): Partial<EventInsert> {
  const { venue, online, description, ...rest } = input
  const plain = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<EventInsert>
  return {
    ...plain,
    ...(description !== undefined ? { description: description ?? {} } : {}),
    ...venueColumns(venue),
    ...onlineColumns(online),
  }
}
