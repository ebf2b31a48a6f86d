// Follow-up for the individual: the hash of the private tracking code a feedback giver keeps (the code itself is never stored).
import { pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { agencies } from './agencies.ts'
import { tz } from './columns.ts'
import { feedbackItems } from './feedback.ts'
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
