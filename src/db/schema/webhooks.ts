// Webhook subscriptions of agency systems and partner organizations, the deliveries owed to each, and the dispatcher's outbox position.
import { sql } from 'drizzle-orm'
import { bigint, check, index, integer, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core'
import { agencies } from './agencies.ts'
import { id, tz } from './columns.ts'
import { organizations } from './organizations.ts'

export const webhookSubscriptionStatuses = ['active', 'disabled'] as const
export const webhookDeliveryStatuses = ['pending', 'delivered', 'failed'] as const

export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    id: id(),
    agencyId: uuid('agency_id').notNull().references(() => agencies.id, { onDelete: 'restrict' }),
    /** The partner organization that owns it; null: the agency's own systems (managed by its admins). */
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'restrict' }),
    url: text('url').notNull(),
    description: text('description'),
    /** Change types (e.g. event.scheduled) it wants; empty: every type. */
    eventTypes: text('event_types').array().notNull().default(sql`'{}'::text[]`),
    /** Areas it wants changes of; empty: every area. */
    areaIds: uuid('area_ids').array().notNull().default(sql`'{}'::uuid[]`),
    /** Organizations whose changes it wants; empty: any. */
    organizationIds: uuid('organization_ids').array().notNull().default(sql`'{}'::uuid[]`),
    status: text('status', { enum: webhookSubscriptionStatuses }).notNull().default('active'),
    disabledReason: text('disabled_reason'),
    disabledAt: tz('disabled_at'),
    /** Standard Webhooks secret (whsec_…): the server signs with it, so it is kept as shared secrets are, not hashed. */
    secret: text('secret').notNull(),
    /** The secret before the last rotation, still signing alongside until previousSecretExpiresAt. */
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: tz('previous_secret_expires_at'),
    /** The last sequence number given to a delivery: deliveries are sent in sequence order. */
    lastSequence: bigint('last_sequence', { mode: 'number' }).notNull().default(0),
    /** While a sender holds it (a lease, so a crashed sender's hold runs out), no other instance sends for it. */
    sendingUntil: tz('sending_until'),
    createdAt: tz('created_at').notNull().defaultNow(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
    deletedAt: tz('deleted_at'),
  },
  (t) => [
    index('webhook_subscriptions_agency_idx').on(t.agencyId, t.createdAt),
    index('webhook_subscriptions_organization_idx').on(t.organizationId),
    check('webhook_subscriptions_status', sql`${t.status} in ('active', 'disabled')`),
  ],
)

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    /** The webhook-id header: stable for a (subscription, outbox row), so a retry or a replay repeats it. */
    messageId: text('message_id').notNull(),
    subscriptionId: uuid('subscription_id').notNull().references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
    agencyId: uuid('agency_id').notNull().references(() => agencies.id, { onDelete: 'restrict' }),
    outboxId: bigint('outbox_id', { mode: 'number' }).notNull(),
    sequence: bigint('sequence', { mode: 'number' }).notNull(),
    type: text('type').notNull(),
    /** The body sent (ids, versions, a URL: never personal data), kept so a retry sends the same bytes' content. */
    payload: text('payload').notNull(),
    status: text('status', { enum: webhookDeliveryStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: tz('next_attempt_at').notNull(),
    firstFailedAt: tz('first_failed_at'),
    lastAttemptAt: tz('last_attempt_at'),
    /** The receiver's status code; never its body. */
    lastStatusCode: integer('last_status_code'),
    /** What went wrong, as a class (timeout, refused_address, http_status, …), never the receiver's words. */
    lastError: text('last_error'),
    deliveredAt: tz('delivered_at'),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [
    unique('webhook_deliveries_subscription_outbox').on(t.subscriptionId, t.outboxId),
    unique('webhook_deliveries_subscription_sequence').on(t.subscriptionId, t.sequence),
    index('webhook_deliveries_agency_idx').on(t.agencyId),
    index('webhook_deliveries_pending_idx').on(t.subscriptionId, t.sequence).where(sql`${t.status} = 'pending'`),
    // Whether anyone still owes an outbox row's delivery (an invitation's address is kept until no one does).
    index('webhook_deliveries_outbox_pending_idx').on(t.outboxId).where(sql`${t.status} = 'pending'`),
    check('webhook_deliveries_status', sql`${t.status} in ('pending', 'delivered', 'failed')`),
  ],
)

/** One row: how far the dispatcher has read the outbox, in (tx, id) commit order. */
export const webhookDispatchPosition = pgTable('webhook_dispatch_position', {
  name: text('name').primaryKey(),
  tx: text('tx').notNull(),
  outboxId: bigint('outbox_id', { mode: 'number' }).notNull(),
  updatedAt: tz('updated_at').notNull().defaultNow(),
})
