// Events as schema.org Event in JSON-LD, with an inline context so a consumer expands it with no network.
import type { EventDocument } from './event-feeds-service.ts'
import type { EventView } from './event-view.ts'
import { accommodationLabel } from './icalendar-format.ts'

/** schema.org as the default vocabulary; enumeration members (EventScheduled, …) are IRIs, not strings. */
export const schemaOrgContext = {
  '@vocab': 'https://schema.org/',
  eventStatus: { '@type': '@vocab' },
  eventAttendanceMode: { '@type': '@vocab' },
  startDate: { '@type': 'DateTime' },
  endDate: { '@type': 'DateTime' },
  url: { '@type': '@id' },
} as const

const eventStatus: Record<EventView['status'], string> = {
  draft: 'EventScheduled',
  scheduled: 'EventScheduled',
  postponed: 'EventPostponed',
  cancelled: 'EventCancelled',
  completed: 'EventScheduled',
}

const attendanceMode: Record<EventView['format'], string> = {
  in_person: 'OfflineEventAttendanceMode',
  virtual: 'OnlineEventAttendanceMode',
  hybrid: 'MixedEventAttendanceMode',
}

const compact = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0)))

function place(e: EventView) {
  if (!e.venue) return null
  const a = e.venue.address
  return compact({
    '@type': 'Place',
    name: e.venue.name,
    address: a
      ? compact({ '@type': 'PostalAddress', streetAddress: a.street, addressLocality: a.locality, addressRegion: a.region, postalCode: a.postalCode, addressCountry: a.country })
      : null,
    geo: e.venue.geo ? { '@type': 'GeoCoordinates', latitude: e.venue.geo.latitude, longitude: e.venue.geo.longitude } : null,
    // Accommodations are features of where the meeting is held.
    amenityFeature: e.accommodations.map((a) => ({ '@type': 'LocationFeatureSpecification', name: accommodationLabel(a), value: true })),
  })
}

function virtualLocation(e: EventView) {
  if (!e.online?.joinUrl) return null
  return { '@type': 'VirtualLocation', url: e.online.joinUrl }
}

/** One event as a schema.org Event node (no @context: the document or list carries it). */
export function schemaOrgEventNode({ event: e, agency, coHosts }: EventDocument, baseUrl: string) {
  const locations = [place(e), virtualLocation(e)].filter((l) => l !== null)
  return compact({
    '@type': 'Event',
    '@id': `${baseUrl}/v1/events/${e.id}`,
    identifier: e.id,
    // Language-tagged values (JSON-LD 1.1 §4.2.4): each names the language its own text is in.
    name: { '@value': e.title, '@language': e.contentLanguage },
    description: e.description === null ? null : { '@value': e.description, '@language': e.descriptionLanguage },
    startDate: e.startsAt,
    endDate: e.endsAt,
    eventStatus: eventStatus[e.status],
    eventAttendanceMode: attendanceMode[e.format],
    location: locations.length === 1 ? locations[0] : locations,
    // Spoken languages and those interpreted into: a person can take part in any of them.
    inLanguage: [...new Set([...e.languages, ...e.interpretation])],
    organizer: [
      ...(agency ? [{ '@type': 'GovernmentOrganization', name: agency.name, identifier: agency.slug }] : []),
      ...coHosts.map((o) => ({ '@type': 'Organization', '@id': `${baseUrl}/v1/organizations/${o.id}`, name: o.name })),
    ],
    accessibilityFeature: e.accommodations.map(accommodationLabel),
    maximumAttendeeCapacity: e.capacity,
    isAccessibleForFree: true,
    keywords: e.topics.join(', ') || null,
    url: `${baseUrl}/v1/events/${e.id}`,
  })
}

export function schemaOrgEvent(doc: EventDocument, baseUrl: string) {
  return { '@context': schemaOrgContext, ...schemaOrgEventNode(doc, baseUrl) }
}

/** A page of events as a schema.org ItemList, in list order. */
export function schemaOrgEventList(docs: EventDocument[], baseUrl: string) {
  return {
    '@context': schemaOrgContext,
    '@type': 'ItemList',
    numberOfItems: docs.length,
    itemListElement: docs.map((d, i) => ({ '@type': 'ListItem', position: i + 1, item: schemaOrgEventNode(d, baseUrl) })),
  }
}
