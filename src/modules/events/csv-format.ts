// Events as CSV rows for analysts: one flat row per event, lists joined with spaces (their values never contain one).
import type { EventView } from './event-view.ts'

const list = (values: string[]) => values.join(' ')

/** Column name → value; the order here is the column order of the export. */
const columns: Record<string, (e: EventView) => string | number | boolean | null> = {
  id: (e) => e.id,
  agencyId: (e) => e.agencyId,
  title: (e) => e.title,
  contentLanguage: (e) => e.contentLanguage,
  descriptionLanguage: (e) => e.descriptionLanguage,
  availableLanguages: (e) => list(e.availableLanguages),
  kind: (e) => e.kind,
  format: (e) => e.format,
  status: (e) => e.status,
  statusReason: (e) => e.statusReason,
  startsAt: (e) => e.startsAt,
  endsAt: (e) => e.endsAt,
  timeZone: (e) => e.timeZone,
  venueName: (e) => e.venue?.name ?? null,
  street: (e) => e.venue?.address?.street ?? null,
  locality: (e) => e.venue?.address?.locality ?? null,
  region: (e) => e.venue?.address?.region ?? null,
  postalCode: (e) => e.venue?.address?.postalCode ?? null,
  country: (e) => e.venue?.address?.country ?? null,
  latitude: (e) => e.venue?.geo?.latitude ?? null,
  longitude: (e) => e.venue?.geo?.longitude ?? null,
  areaId: (e) => e.areaId,
  joinUrl: (e) => e.online?.joinUrl ?? null,
  languages: (e) => list(e.languages),
  interpretation: (e) => list(e.interpretation),
  accommodations: (e) => list(e.accommodations),
  topics: (e) => list(e.topics),
  capacity: (e) => e.capacity,
  registrationRequired: (e) => e.registrationRequired,
  hostUnit: (e) => e.hostUnit,
  coHostIds: (e) => list(e.coHostIds),
  seriesId: (e) => e.seriesId,
  recurrenceId: (e) => e.recurrenceId,
  sequence: (e) => e.sequence,
  updatedAt: (e) => e.updatedAt,
  // Set on tombstones, which an export with updatedSince includes (as the list does).
  deletedAt: (e) => e.deletedAt,
  description: (e) => e.description,
}

export const eventCsvColumns = Object.keys(columns)

export function eventCsvRecord(e: EventView): (string | number | boolean | null)[] {
  return Object.values(columns).map((value) => value(e))
}
