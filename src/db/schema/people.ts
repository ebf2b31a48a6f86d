// Participants (personal data), their voluntary demographics kept apart from identity, and attendance.
import { sql } from 'drizzle-orm'
import { check, index, integer, jsonb, pgEnum, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core'
import { agencies, areas } from './agencies.ts'
import { id, timestamps, tombstone, tz, versioned } from './columns.ts'
import { accommodation, events } from './events.ts'
import { organizations } from './organizations.ts'

/** How to reach a participant: personal data, visible only to staff who state a purpose. */
export type ParticipantContact = { email?: string; phone?: string }

export const participants = pgTable(
  'participants',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    displayName: text('display_name'),
    contact: jsonb('contact').$type<ParticipantContact>(),
    preferredLanguage: text('preferred_language'),
    /** Consent is a dated act; withdrawal keeps the date it was given and adds when it was taken back. */
    contactConsentAt: tz('contact_consent_at'),
    contactConsentWithdrawnAt: tz('contact_consent_withdrawn_at'),
    dataUseConsentAt: tz('data_use_consent_at'),
    dataUseConsentWithdrawnAt: tz('data_use_consent_withdrawn_at'),
    /** Area of residence, for roll-ups by area. */
    areaId: uuid('area_id').references(() => areas.id, { onDelete: 'restrict' }),
    affiliation: text('affiliation'),
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'restrict' }),
    /** Set by erasure: every personal field is then null and stays so. */
    erasedAt: tz('erased_at'),
    ...versioned(),
    ...timestamps(),
    ...tombstone(),
  },
  (t) => [
    index('participants_agency_created_idx').on(t.agencyId, t.createdAt, t.id),
    index('participants_area_id_idx').on(t.areaId),
    index('participants_updated_idx').on(t.updatedAt, t.id),
  ],
)

const preferNot = 'prefer_not_to_say' as const
export const ageBands = ['under_18', 'age_18_24', 'age_25_34', 'age_35_44', 'age_45_54', 'age_55_64', 'age_65_plus', preferNot] as const
export const genders = ['woman', 'man', 'non_binary', 'another_gender', preferNot] as const
export const raceEthnicities = [
  'american_indian_or_alaska_native',
  'asian',
  'black_or_african_american',
  'hispanic_or_latino',
  'middle_eastern_or_north_african',
  'native_hawaiian_or_pacific_islander',
  'white',
  'another_race_or_ethnicity',
  preferNot,
] as const
export const sexualOrientations = ['heterosexual', 'gay_or_lesbian', 'bisexual', 'another_orientation', preferNot] as const
export const faiths = ['none', 'buddhist', 'christian', 'hindu', 'jewish', 'muslim', 'sikh', 'another_faith', preferNot] as const
export const disabilityStatuses = ['has_disability', 'no_disability', preferNot] as const
export const incomeBands = ['under_25k', 'from_25k_to_50k', 'from_50k_to_100k', 'over_100k', preferNot] as const
export const occupations = ['employed', 'self_employed', 'unemployed', 'student', 'retired', 'homemaker', 'another_occupation', preferNot] as const

export const ageBand = pgEnum('age_band', ageBands)
export const gender = pgEnum('gender', genders)
export const raceEthnicity = pgEnum('race_ethnicity', raceEthnicities)
export const sexualOrientation = pgEnum('sexual_orientation', sexualOrientations)
export const faith = pgEnum('faith', faiths)
export const disabilityStatus = pgEnum('disability_status', disabilityStatuses)
export const incomeBand = pgEnum('income_band', incomeBands)
export const occupation = pgEnum('occupation', occupations)

/** Voluntary demographics, apart from identity; every answer optional. They leave the API only as suppressed aggregates. */
export const participantDemographics = pgTable(
  'participant_demographics',
  {
    participantId: uuid('participant_id')
      .primaryKey()
      .references(() => participants.id, { onDelete: 'cascade' }),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    ageBand: ageBand('age_band'),
    gender: gender('gender'),
    raceEthnicity: raceEthnicity('race_ethnicity').array(),
    sexualOrientation: sexualOrientation('sexual_orientation'),
    faith: faith('faith'),
    disability: disabilityStatus('disability'),
    incomeBand: incomeBand('income_band'),
    occupation: occupation('occupation'),
    ...timestamps(),
  },
  (t) => [index('participant_demographics_agency_idx').on(t.agencyId), index('participant_demographics_agency_updated_idx').on(t.agencyId, t.updatedAt)],
)

export const attendanceRoles = ['attendee', 'speaker', 'facilitator', 'staff', 'officer'] as const
export const attendanceStatuses = ['registered', 'waitlisted', 'cancelled', 'attended'] as const
export const attendanceRole = pgEnum('attendance_role', attendanceRoles)
export const attendanceStatus = pgEnum('attendance_status', attendanceStatuses)

/** A participant's registration for, and check-in at, an event. */
export const attendances = pgTable(
  'attendances',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'restrict' }),
    participantId: uuid('participant_id')
      .notNull()
      .references(() => participants.id, { onDelete: 'restrict' }),
    role: attendanceRole('role').notNull().default('attendee'),
    status: attendanceStatus('status').notNull(),
    registeredAt: tz('registered_at'),
    checkedInAt: tz('checked_in_at'),
    cancelledAt: tz('cancelled_at'),
    /** Accommodations the registrant asked for, from the event's list. */
    requestedAccommodations: accommodation('requested_accommodations').array().notNull().default(sql`'{}'::accommodation[]`),
    /** What else they need, in their words: personal data (staff only; cleared on erasure). */
    accommodationNote: text('accommodation_note'),
    ...versioned(),
    ...timestamps(),
    ...tombstone(),
  },
  (t) => [
    unique('attendances_event_participant_key').on(t.eventId, t.participantId),
    index('attendances_event_status_idx').on(t.eventId, t.status, t.createdAt),
    index('attendances_participant_idx').on(t.participantId),
    index('attendances_updated_idx').on(t.updatedAt, t.id),
    index('attendances_agency_updated_idx').on(t.agencyId, t.updatedAt),
  ],
)

/** Anonymous head counts, for events where names are not taken. */
export const eventHeadCounts = pgTable(
  'event_head_counts',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'restrict' }),
    count: integer('count').notNull(),
    countedAt: tz('counted_at').notNull().defaultNow(),
    note: text('note'),
    ...timestamps(),
    ...tombstone(),
  },
  (t) => [
    index('event_head_counts_event_idx').on(t.eventId, t.countedAt),
    index('event_head_counts_agency_updated_idx').on(t.agencyId, t.updatedAt),
    check('event_head_counts_count_nonnegative', sql`${t.count} >= 0`),
  ],
)
