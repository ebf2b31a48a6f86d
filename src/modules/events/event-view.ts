// The public shape of events and series: camelCase, times with the zone's offset, text in the caller's language.
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import { pickLanguage, translate } from '../shared/language.ts'
import { toOffsetIso } from '../../time.ts'
import type { EventRow, SeriesRow } from './events-repository.ts'

export type EventView = ReturnType<typeof eventView>
export type SeriesView = ReturnType<typeof seriesView>

/** Fields events and series share (the series' are the template its occurrences start from). */
function contentView(e: EventRow | SeriesRow, agency: AgencyRow | undefined, preferred: string[]) {
  const available = Object.keys(e.title)
  const language = pickLanguage(available, preferred, agency?.defaultLanguage ?? 'en') ?? available[0]!
  const hasVenue = e.venueName || e.address || e.latitude !== null
  const hasOnline = e.joinUrl || e.dialIn || e.captionsUrl
  // The description may exist in fewer languages than the title: it falls back on its own, and says which it fell back on.
  const descriptionLanguage = pickLanguage(Object.keys(e.description), [language, ...preferred], agency?.defaultLanguage ?? 'en')
  const description = translate(e.description, descriptionLanguage)
  return {
    id: e.id,
    agencyId: e.agencyId,
    title: translate(e.title, language) ?? '',
    description,
    contentLanguage: language,
    /** The language `description` is actually in (null without one): it differs from the title's when it was not translated. */
    descriptionLanguage: description === null ? null : descriptionLanguage!,
    /** Languages the title is written in: a client may ask for any of them with Accept-Language. */
    availableLanguages: available,
    translations: { title: e.title, description: e.description },
    kind: e.kind,
    format: e.format,
    timeZone: e.timeZone,
    venue: hasVenue
      ? {
          name: e.venueName,
          address: e.address ?? null,
          geo: e.latitude !== null && e.longitude !== null ? { latitude: e.latitude, longitude: e.longitude } : null,
        }
      : null,
    areaId: e.areaId,
    online: hasOnline ? { joinUrl: e.joinUrl, dialIn: e.dialIn ?? null, captionsUrl: e.captionsUrl } : null,
    languages: e.languages,
    interpretation: e.interpretation,
    accommodations: e.accommodations,
    capacity: e.capacity,
    registrationRequired: e.registrationRequired,
    hostUnit: e.hostUnit,
    topics: e.topics,
  }
}

/** `coHostIds`: the partner organizations co-hosting the event (loaded with it, a page at a time). */
export function eventView(e: EventRow, agency: AgencyRow | undefined, preferred: string[], coHostIds: string[]) {
  const at = (d: Date) => toOffsetIso(d, e.timeZone)
  return {
    ...contentView(e, agency, preferred),
    coHostIds,
    status: e.status,
    statusReason: e.statusReason,
    startsAt: at(e.startsAt),
    endsAt: at(e.endsAt),
    seriesId: e.seriesId,
    recurrenceId: e.recurrenceId ? at(e.recurrenceId) : null,
    sequence: e.sequence,
    version: e.version,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
    deletedAt: e.deletedAt ? e.deletedAt.toISOString() : null,
  }
}

export function seriesView(s: SeriesRow, agency: AgencyRow | undefined, preferred: string[]) {
  return {
    ...contentView(s, agency, preferred),
    status: s.status,
    recurrence: { rule: s.rrule, start: s.dtstartLocal, durationMinutes: s.durationMinutes, exceptions: s.exdates },
    rotation: s.rotation,
    overrides: s.overrides,
    coHostIds: [...s.coHostIds].sort(),
    version: s.version,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  }
}
