// Surveys after police contact: the agency's rules, and the short-lived material of invitations. No table here names a
// person: phones and emails live only in contact_invitations until delivered or expired; the rest are keyed hashes.
import { sql } from 'drizzle-orm'
import { check, date, index, integer, jsonb, pgTable, primaryKey, real, text, uuid } from 'drizzle-orm/pg-core'
import { agencies, areas } from './agencies.ts'
import { tz } from './columns.ts'

/** The contact kinds a CAD/RMS feed reports; sampling rates are set per kind. */
export const contactKinds = ['call_for_service', 'traffic_stop', 'pedestrian_stop', 'report_taken', 'victim_follow_up', 'community_contact', 'other'] as const
/** What a contact may carry that keeps it from any survey, by the agency's exclusion rules. */
export const contactFlags = ['arrest', 'domestic_violence', 'sexual_assault', 'death', 'juvenile', 'medical_emergency', 'mental_health_crisis', 'use_of_force'] as const
export const contactChannels = ['sms', 'email'] as const

/** An agency's rules for contact surveys (absent: the defaults in contacts-rules.ts). */
export const contactSurveyRules = pgTable(
  'contact_survey_rules',
  {
    agencyId: uuid('agency_id')
      .primaryKey()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    /** The flags that exclude a contact from any survey. */
    excludedFlags: text('excluded_flags').array().notNull(),
    delayMinutes: integer('delay_minutes').notNull(),
    /** Quiet hours as local wall-clock minutes of the day in the agency's time zone; start > end wraps midnight. */
    quietStartMinute: integer('quiet_start_minute').notNull(),
    quietEndMinute: integer('quiet_end_minute').notNull(),
    oncePerDays: integer('once_per_days').notNull(),
    /** A contact reported later than this after it happened is not surveyed (memory fades; the moment has passed). */
    maxAgeHours: integer('max_age_hours').notNull(),
    /** Days an invitation's link answers after its send-after time. */
    windowDays: integer('window_days').notNull(),
    /** Share of each contact kind invited (0–1); a kind not named uses defaultRate. */
    samplingRates: jsonb('sampling_rates').$type<Partial<Record<string, number>>>().notNull(),
    defaultRate: real('default_rate').notNull(),
    version: integer('version').notNull().default(1),
    updatedAt: tz('updated_at').notNull(),
  },
  (t) => [
    check('contact_survey_rules_ranges', sql`${t.delayMinutes} BETWEEN 0 AND 10080 AND ${t.quietStartMinute} BETWEEN 0 AND 1439 AND ${t.quietEndMinute} BETWEEN 0 AND 1439 AND ${t.oncePerDays} BETWEEN 0 AND 3650 AND ${t.maxAgeHours} BETWEEN 1 AND 8760 AND ${t.windowDays} BETWEEN 1 AND 90 AND ${t.defaultRate} BETWEEN 0 AND 1`),
  ],
)

/** Contact events received, by a keyed hash of the agency's incident/contact id only: what makes a re-sent event change nothing. */
export const contactEvents = pgTable(
  'contact_events',
  {
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    keyHash: text('key_hash').notNull(),
    /** The day it was received: for pruning, no finer. */
    receivedOn: date('received_on', { mode: 'string' }).notNull(),
  },
  (t) => [primaryKey({ name: 'contact_events_pkey', columns: [t.agencyId, t.keyHash] }), index('contact_events_received_on_idx').on(t.receivedOn)],
)

/**
 * An invitation waiting to reach the agency's messaging system: the address and link live here only until the webhook
 * delivery is acknowledged or the window closes, then the row is deleted. It names no contact, kind or beat.
 */
export const contactInvitations = pgTable(
  'contact_invitations',
  {
    id: uuid('id').primaryKey(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    channel: text('channel', { enum: contactChannels }).notNull(),
    address: text('address').notNull(),
    language: text('language').notNull(),
    /** The link's token, kept only to be handed over once; the survey knows it by its hash (contact_survey_tokens). */
    token: text('token').notNull(),
    sendAfter: tz('send_after').notNull(),
    closesAt: tz('closes_at').notNull(),
  },
  (t) => [index('contact_invitations_agency_idx').on(t.agencyId), index('contact_invitations_closes_idx').on(t.closesAt)],
)

/** A contact survey's one-time token (SHA-256 only) and what its answer carries: the kind and beat, never the contact. */
export const contactSurveyTokens = pgTable(
  'contact_survey_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    areaId: uuid('area_id')
      .notNull()
      .references(() => areas.id, { onDelete: 'restrict' }),
    contactKind: text('contact_kind').notNull(),
    language: text('language').notNull(),
    /** The person's keyed hash, so the link can opt them out; gone with the token when answered or closed. */
    personHash: text('person_hash').notNull(),
    closesAt: tz('closes_at').notNull(),
  },
  (t) => [index('contact_survey_tokens_agency_idx').on(t.agencyId), index('contact_survey_tokens_area_idx').on(t.areaId), index('contact_survey_tokens_closes_idx').on(t.closesAt)],
)

/** When each person (keyed hash of the normalized phone or email) was last invited: the once-per-period rule. */
export const contactPersonInvitations = pgTable(
  'contact_person_invitations',
  {
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    personHash: text('person_hash').notNull(),
    lastInvitedAt: tz('last_invited_at').notNull(),
  },
  (t) => [primaryKey({ name: 'contact_person_invitations_pkey', columns: [t.agencyId, t.personHash] })],
)

/** People who asked never to be surveyed after a contact (keyed hashes), honoured forever. */
export const contactOptOuts = pgTable(
  'contact_opt_outs',
  {
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    personHash: text('person_hash').notNull(),
    optedOutOn: date('opted_out_on', { mode: 'string' }).notNull(),
  },
  (t) => [primaryKey({ name: 'contact_opt_outs_pkey', columns: [t.agencyId, t.personHash] })],
)
