// Cross-cutting records: idempotent-create replays, secrets every instance shares, the append-only audit trail and the outbox.
import { sql } from 'drizzle-orm'
import { bigint, check, customType, index, integer, jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core'
import { agencies } from './agencies.ts'
import { id, tz } from './columns.ts'

/** A full transaction id (64 bits, never wraps), read as text. */
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' })

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    id: id(),
    /** Who sent the key: keys are scoped per principal so two callers cannot collide. */
    principal: text('principal').notNull(),
    operation: text('operation').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    resourceId: uuid('resource_id'),
    statusCode: integer('status_code'),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [
    unique('idempotency_keys_scope_key').on(t.principal, t.operation, t.key),
    index('idempotency_keys_created_idx').on(t.createdAt),
  ],
)

/** Random secrets generated once and shared by every instance on this database (when configuration gives none). */
export const sharedSecrets = pgTable('shared_secrets', {
  name: text('name').primaryKey(),
  /** base64url of random bytes. */
  secret: text('secret').notNull(),
  createdAt: tz('created_at').notNull().defaultNow(),
})

export const auditEvents = pgTable(
  'audit_events',
  {
    id: id(),
    agencyId: uuid('agency_id').references(() => agencies.id, { onDelete: 'restrict' }),
    at: tz('at').notNull().defaultNow(),
    actorKind: text('actor_kind').notNull(),
    actorSubject: text('actor_subject'),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: uuid('entity_id'),
    requestId: text('request_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('audit_events_agency_at_idx').on(t.agencyId, t.at),
    index('audit_events_entity_idx').on(t.entityType, t.entityId),
  ],
)

/**
 * Changes to deliver outside the process (change feed, webhooks), appended with the change itself (its statement or its transaction).
 * `payload` holds ids and versions only, never personal data; readers take rows in commit order (tx, id), never id order alone.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    agencyId: uuid('agency_id').references(() => agencies.id, { onDelete: 'restrict' }),
    entityType: text('entity_type').notNull(),
    entityId: uuid('entity_id').notNull(),
    /** What happened, as the audit trail names it, e.g. event.scheduled. */
    action: text('action').notNull(),
    /** Who may see the resource after the change: the public, or only its agency (the change feed still checks access at read time). */
    visibility: text('visibility', { enum: ['public', 'agency'] }).notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    requestId: text('request_id'),
    occurredAt: tz('occurred_at').notNull().defaultNow(),
    /** The writing transaction: readers take rows in (tx, id) order below the oldest running transaction, so none is skipped. */
    tx: xid8('tx').notNull().default(sql`pg_current_xact_id()`),
  },
  (t) => [
    index('outbox_agency_id_idx').on(t.agencyId, t.id),
    index('outbox_commit_order_idx').on(t.tx, t.id),
    // An entity's rows in commit order: whether it was public before (the change feed's tombstones), what it did since.
    index('outbox_entity_idx').on(t.entityType, t.entityId, t.tx, t.id),
    check('outbox_visibility', sql`${t.visibility} in ('public', 'agency')`),
  ],
)

/**
 * Rate-limit allowances every instance draws from (src/modules/rate-limits): one row per limited key, when its window
 * ends (a window starts at the key's first take) and how many requests instances have taken so far in it.
 * UNLOGGED (migration 0023's tail): no WAL, so the hot path writes nothing durable; a crash empties it, which
 * only starts every window afresh. `key` is a keyed hash: no address or principal is stored.
 */
export const rateLimitAllowances = pgTable('rate_limit_allowances', {
  key: text('key').primaryKey(),
  taken: integer('taken').notNull(),
  /** When the window ends (milliseconds since the epoch, database clock): rows past it are swept. */
  endsAtMs: bigint('ends_at_ms', { mode: 'number' }).notNull(),
})
