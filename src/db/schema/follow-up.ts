// Follow-up for the individual: the hash of the private tracking code a feedback giver keeps (the code itself is never stored).
import { pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { agencies } from './agencies.ts'
import { tz } from './columns.ts'
import { feedbackItems } from './feedback.ts'

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
