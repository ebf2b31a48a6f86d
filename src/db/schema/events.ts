import { sql, type SQL } from 'drizzle-orm'
import {
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  unique,
  uuid,
} from 'drizzle-orm/pg-core'
import { agencies, areas } from './agencies.ts'
import { id, timestamps, tombstone, tz, versioned } from './columns.ts'
import { translationsVector } from '../text-search.ts'

export const eventKinds = [
  'town_hall',
  'listening_session',
  'community_walk',
  'coffee_with_an_officer',
  'youth_event',
  'advisory_board',
  'virtual_forum',
  'training',
  'other',
] as const
export const eventStatuses = ['draft', 'scheduled', 'postponed', 'cancelled', 'completed'] as const
export const eventFormats = ['in_person', 'virtual', 'hybrid'] as const
export const accommodations = [
  'step_free_access',
  'accessible_restroom',
  'accessible_parking',
  'sign_language_interpretation',
  'live_captioning',
  'assistive_listening',
  'large_print',
  'braille',
  'plain_language',
  'childcare',
  'transit_nearby',
  'quiet_room',
  'food_provided',
  'scent_free',
] as const

export const eventKind = pgEnum('event_kind', eventKinds)
export const eventStatus = pgEnum('event_status', eventStatuses)
export const eventFormat = pgEnum('event_format', eventFormats)
export const accommodation = pgEnum('accommodation', accommodations)
/** A draft series is a partner's proposal: only the agency and its co-hosts see it until staff publish it. */
export const seriesStatuses = ['active', 'cancelled', 'draft'] as const
export const seriesStatus = pgEnum('series_status', seriesStatuses)

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' })

/** Translatable text: one string per BCP 47 tag, e.g. {"en": "…", "es": "…"}. */
export type Translations = Record<string, string>
export type Address = { street?: string; locality?: string; region?: string; postalCode?: string; country?: string }
export type DialIn = { number: string; accessCode?: string }

/** Fields an event and a series template share. */
const eventContent = () => ({
  title: jsonb('title').$type<Translations>().notNull(),
  description: jsonb('description').$type<Translations>().notNull().default({}),
  kind: eventKind('kind').notNull(),
  format: eventFormat('format').notNull(),
  timeZone: text('time_zone').notNull(),
  venueName: text('venue_name'),
  address: jsonb('address').$type<Address>(),
  areaId: uuid('area_id').references(() => areas.id, { onDelete: 'restrict' }),
  latitude: doublePrecision('latitude'),
  longitude: doublePrecision('longitude'),
  joinUrl: text('join_url'),
  dialIn: jsonb('dial_in').$type<DialIn>(),
  captionsUrl: text('captions_url'),
  languages: text('languages').array().notNull().default(sql`'{}'::text[]`),
  interpretation: text('interpretation').array().notNull().default(sql`'{}'::text[]`),
  accommodations: accommodation('accommodations').array().notNull().default(sql`'{}'::accommodation[]`),
  capacity: integer('capacity'),
  registrationRequired: boolean('registration_required').notNull().default(false),
  hostUnit: text('host_unit'),
  topics: text('topics').array().notNull().default(sql`'{}'::text[]`),
})

export const eventSeries = pgTable(
  'event_series',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    ...eventContent(),
    /** RFC 5545 RRULE value (without the "RRULE:" prefix). */
    rrule: text('rrule').notNull(),
    /** First occurrence as local wall-clock time in time_zone, e.g. 2026-01-13T18:30. */
    dtstartLocal: text('dtstart_local').notNull(),
    durationMinutes: integer('duration_minutes').notNull(),
    /** Excluded occurrences, as local wall-clock start times. */
    exdates: text('exdates').array().notNull().default(sql`'{}'::text[]`),
    /** Places the meetings rotate through, one per occurrence in turn (see series-schemas). */
    rotation: jsonb('rotation').$type<unknown[]>().notNull().default([]),
    /** Per-occurrence overrides keyed by the local start they replace (see series-schemas). */
    overrides: jsonb('overrides').$type<unknown[]>().notNull().default([]),
    /** Partner organizations that co-host every occurrence (set on each occurrence as event_co_hosts rows). */
    coHostIds: uuid('co_host_ids').array().notNull().default(sql`'{}'::uuid[]`),
    status: seriesStatus('status').notNull().default('active'),
    ...versioned(),
    ...timestamps(),
    ...tombstone(),
  },
  (t) => [
    index('event_series_agency_id_idx').on(t.agencyId),
    index('event_series_area_id_idx').on(t.areaId),
    index('event_series_updated_idx').on(t.updatedAt, t.id),
    check('event_series_duration_positive', sql`${t.durationMinutes} > 0`),
  ],
)

export const events = pgTable(
  'events',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    ...eventContent(),
    status: eventStatus('status').notNull().default('scheduled'),
    startsAt: tz('starts_at').notNull(),
    endsAt: tz('ends_at').notNull(),
    seriesId: uuid('series_id').references(() => eventSeries.id, { onDelete: 'restrict' }),
    /** For a series occurrence: the start the recurrence rule gave it (RFC 5545 RECURRENCE-ID). */
    recurrenceId: tz('recurrence_id'),
    /** True when this occurrence differs from what the series' rule alone would give. */
    isException: boolean('is_exception').notNull().default(false),
    /** iCalendar SEQUENCE: rises on every change a subscriber should notice. */
    sequence: integer('sequence').notNull().default(0),
    statusReason: text('status_reason'),
    // Words in every language as written, and stemmed in each language with a configuration (src/db/text-search.ts).
    search: tsvector('search').generatedAlwaysAs((): SQL => sql.raw(translationsVector(['title', 'description'], "to_tsvector('simple'::regconfig, coalesce(venue_name, ''))"))),
    ...versioned(),
    ...timestamps(),
    ...tombstone(),
  },
  (t) => [
    index('events_starts_at_id_idx').on(t.startsAt, t.id),
    index('events_agency_starts_idx').on(t.agencyId, t.startsAt, t.id),
    index('events_area_id_idx').on(t.areaId),
    // Near me: a bounding box on latitude (then longitude) narrows by index before the exact distance.
    index('events_latitude_longitude_idx').on(t.latitude, t.longitude),
    index('events_series_id_idx').on(t.seriesId, t.recurrenceId),
    index('events_updated_idx').on(t.updatedAt, t.id),
    // Insights: the newest change per agency is one index probe.
    index('events_agency_updated_idx').on(t.agencyId, t.updatedAt),
    index('events_languages_idx').using('gin', t.languages),
    index('events_accommodations_idx').using('gin', t.accommodations),
    index('events_search_idx').using('gin', t.search),
    unique('events_series_occurrence_key').on(t.seriesId, t.recurrenceId),
    check('events_ends_after_start', sql`${t.endsAt} > ${t.startsAt}`),
    check('events_capacity_positive', sql`${t.capacity} IS NULL OR ${t.capacity} > 0`),
  ],
)
