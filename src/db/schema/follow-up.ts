// Follow-up for the individual: the hash of the private tracking code a feedback giver keeps (the code itself is never stored).
import { boolean, index, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { agencies } from './agencies.ts'
import { tz } from './columns.ts'
import { feedbackItems } from './feedback.ts'
import { events } from './events.ts'
import { attendances } from './people.ts'

export const feedbackTracking = pgTable('feedback_tracking', {
  /** One code per item; erasing the item erases its code. */
  feedbackId: uuid('feedback_id')
    .primaryKey()
    .references(() => feedbackItems.id, { onDelete: 'cascade' }),
  agencyId: uuid('agency_id')
    .notNull()
    .references(() => agencies.id, { onDelete: 'restrict' }),
  /** SHA-256 of the code (hex): the code has 256 bits of entropy, so a fast hash is enough and a lookup is one index probe. */
  codeHash: text('code_hash').notNull().unique('feedback_tracking_code_hash_key'),
  createdAt: tz('created_at').notNull(),
})

/** A self-registrant's private code to see, cancel and ask for accommodations on their registration (hash only). */
export const registrationCodes = pgTable('registration_codes', {
  attendanceId: uuid('attendance_id')
    .primaryKey()
    .references(() => attendances.id, { onDelete: 'cascade' }),
  agencyId: uuid('agency_id')
    .notNull()
    .references(() => agencies.id, { onDelete: 'restrict' }),
  codeHash: text('code_hash').notNull().unique('registration_codes_code_hash_key'),
  createdAt: tz('created_at').notNull(),
})

/**
 * One survey answer per attendance: `used` flips once, when a response is recorded. No time of use and no link to
 * the response is kept, so the answer cannot be joined back to whoever attended (PRIVACY.md, Surveys).
 */
export const surveyInvitations = pgTable(
  'survey_invitations',
  {
    attendanceId: uuid('attendance_id')
      .primaryKey()
      .references(() => attendances.id, { onDelete: 'cascade' }),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    used: boolean('used').notNull().default(false),
  },
  (t) => [index('survey_invitations_event_idx').on(t.eventId)],
)

/** One-time survey tokens (SHA-256 of 32 random bytes, hex): several may be handed out for one attendance, one answer counts. */
export const surveyTokens = pgTable(
  'survey_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    attendanceId: uuid('attendance_id')
      .notNull()
      .references(() => surveyInvitations.attendanceId, { onDelete: 'cascade' }),
    /** Copied from the invitation: every tenant table carries its agency, the distribution key (docs/SCALE.md). */
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
  },
  (t) => [index('survey_tokens_attendance_idx').on(t.attendanceId), index('survey_tokens_agency_idx').on(t.agencyId)],
)
