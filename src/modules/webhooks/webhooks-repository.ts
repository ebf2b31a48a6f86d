// SQL for webhook subscriptions, their deliveries and the dispatcher's outbox position. Writes name the row they change.
import { and, asc, desc, eq, gte, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { decisionOrganizations, decisions, eventCoHosts, events, feedbackItems, organizations, webhookDeliveries, webhookDispatchPosition, webhookSubscriptions } from '../../db/schema/index.ts'
import type { OutboxPosition } from '../outbox/outbox-repository.ts'

/** Every column but the secrets, which only the sender reads. */
const columns = {
  id: webhookSubscriptions.id,
  agencyId: webhookSubscriptions.agencyId,
  organizationId: webhookSubscriptions.organizationId,
  url: webhookSubscriptions.url,
  description: webhookSubscriptions.description,
  eventTypes: webhookSubscriptions.eventTypes,
  areaIds: webhookSubscriptions.areaIds,
  organizationIds: webhookSubscriptions.organizationIds,
  status: webhookSubscriptions.status,
  disabledReason: webhookSubscriptions.disabledReason,
  disabledAt: webhookSubscriptions.disabledAt,
  previousSecretExpiresAt: webhookSubscriptions.previousSecretExpiresAt,
  createdAt: webhookSubscriptions.createdAt,
  updatedAt: webhookSubscriptions.updatedAt,
}
export type WebhookSubscriptionRow = { [K in keyof typeof columns]: (typeof webhookSubscriptions.$inferSelect)[K] }

const deliveryColumns = {
  id: webhookDeliveries.id,
  messageId: webhookDeliveries.messageId,
  subscriptionId: webhookDeliveries.subscriptionId,
  outboxId: webhookDeliveries.outboxId,
  sequence: webhookDeliveries.sequence,
  type: webhookDeliveries.type,
  status: webhookDeliveries.status,
  attempts: webhookDeliveries.attempts,
  nextAttemptAt: webhookDeliveries.nextAttemptAt,
  firstFailedAt: webhookDeliveries.firstFailedAt,
  lastAttemptAt: webhookDeliveries.lastAttemptAt,
  lastStatusCode: webhookDeliveries.lastStatusCode,
  lastError: webhookDeliveries.lastError,
  deliveredAt: webhookDeliveries.deliveredAt,
  createdAt: webhookDeliveries.createdAt,
}
export type WebhookDeliveryRow = { [K in keyof typeof deliveryColumns]: (typeof webhookDeliveries.$inferSelect)[K] }

/** What the dispatcher matches on: the subscription's filters and owner. */
export type Matchable = Pick<WebhookSubscriptionRow, 'id' | 'agencyId' | 'organizationId' | 'eventTypes' | 'areaIds' | 'organizationIds' | 'createdAt'>

/** The resource's area and the organizations it belongs to (co-hosts, submitter, co-producers), for filters and access. */
export type Facets = { areaId: string | null; organizationIds: string[] }

const live = isNull(webhookSubscriptions.deletedAt)
/** The agency's own, or a partner's whose partnership is active: a paused or ended partner is owed and sent nothing. */
const entitled = sql`(${webhookSubscriptions.organizationId} is null or exists (select 1 from ${organizations} where ${organizations.id} = ${webhookSubscriptions.organizationId} and ${organizations.partnershipStatus} = 'active' and ${organizations.deletedAt} is null))`

export function createWebhooksRepository(db: Queryable) {
  return {
    async insert(values: typeof webhookSubscriptions.$inferInsert & { createdAt: Date; updatedAt: Date }): Promise<WebhookSubscriptionRow> {
      const [row] = await db.insert(webhookSubscriptions).values(values).returning(columns)
      return row!
    },

    async byId(id: string): Promise<WebhookSubscriptionRow | undefined> {
      const [row] = await db.select(columns).from(webhookSubscriptions).where(and(eq(webhookSubscriptions.id, id), live)).limit(1)
      return row
    },

    /** An agency's subscriptions; `organizationId` narrows them to one partner's (null: the agency's own systems). */
    list(agencyId: string, organizationId?: string | null): Promise<WebhookSubscriptionRow[]> {
      const owner = organizationId === undefined ? sql`true` : organizationId === null ? isNull(webhookSubscriptions.organizationId) : eq(webhookSubscriptions.organizationId, organizationId)
      return db.select(columns).from(webhookSubscriptions).where(and(eq(webhookSubscriptions.agencyId, agencyId), live, owner)).orderBy(asc(webhookSubscriptions.createdAt), asc(webhookSubscriptions.id)).limit(200)
    },

    async update(agencyId: string, id: string, changes: Partial<typeof webhookSubscriptions.$inferInsert> & { updatedAt: Date }): Promise<WebhookSubscriptionRow | undefined> {
      const [row] = await db.update(webhookSubscriptions).set(changes).where(and(eq(webhookSubscriptions.id, id), eq(webhookSubscriptions.agencyId, agencyId), live)).returning(columns)
      return row
    },

    /** Gone for good: its pending deliveries go with it (deleted rows keep no secret). */
    async remove(agencyId: string, id: string, at: Date): Promise<boolean> {
      const rows = await db
        .update(webhookSubscriptions)
        .set({ deletedAt: at, updatedAt: at, status: 'disabled', disabledReason: 'deleted', disabledAt: at, secret: '', previousSecret: null })
        .where(and(eq(webhookSubscriptions.id, id), eq(webhookSubscriptions.agencyId, agencyId), live))
        .returning({ id: webhookSubscriptions.id })
      if (rows.length) await db.delete(webhookDeliveries).where(and(eq(webhookDeliveries.subscriptionId, id), eq(webhookDeliveries.status, 'pending')))
      return rows.length > 0
    },

    /** The secrets that sign now: the current one, and the previous one until its overlap ends. */
    async signingSecrets(id: string, now: Date): Promise<string[]> {
      const [row] = await db
        .select({ secret: webhookSubscriptions.secret, previous: webhookSubscriptions.previousSecret, until: webhookSubscriptions.previousSecretExpiresAt })
        .from(webhookSubscriptions)
        .where(eq(webhookSubscriptions.id, id))
      if (!row) return []
      return row.previous && row.until && row.until > now ? [row.secret, row.previous] : [row.secret]
    },

    async currentSecret(id: string): Promise<string | undefined> {
      const [row] = await db.select({ secret: webhookSubscriptions.secret }).from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id))
      return row?.secret
    },

    async anyActive(): Promise<boolean> {
      const [row] = await db.select({ id: webhookSubscriptions.id }).from(webhookSubscriptions).where(and(eq(webhookSubscriptions.status, 'active'), live)).limit(1)
      return row !== undefined
    },

    /** Subscriptions of these agencies, disabled ones included (what they are owed meanwhile is sent once enabled). */
    liveOf(agencyIds: string[]): Promise<Matchable[]> {
      if (agencyIds.length === 0) return Promise.resolve([])
      return db
        .select({ id: columns.id, agencyId: columns.agencyId, organizationId: columns.organizationId, eventTypes: columns.eventTypes, areaIds: columns.areaIds, organizationIds: columns.organizationIds, createdAt: columns.createdAt })
        .from(webhookSubscriptions)
        .where(and(inArray(webhookSubscriptions.agencyId, agencyIds), live, entitled))
    },

    /** Areas and organizations of the changed resources, by id (types without either are left out). */
    async facetsOf(changes: { entityType: string; entityId: string }[]): Promise<Map<string, Facets>> {
      const ids = (type: string) => [...new Set(changes.filter((c) => c.entityType === type).map((c) => c.entityId))]
      const out = new Map<string, Facets>()
      const eventIds = ids('event')
      if (eventIds.length) {
        const rows = await db
          .select({ id: events.id, areaId: events.areaId, organizationIds: sql<string[]>`coalesce(array_agg(${eventCoHosts.organizationId}::text) filter (where ${eventCoHosts.organizationId} is not null), '{}')` })
          .from(events)
          .leftJoin(eventCoHosts, eq(eventCoHosts.eventId, events.id))
          .where(inArray(events.id, eventIds))
          .groupBy(events.id)
        for (const r of rows) out.set(r.id, { areaId: r.areaId, organizationIds: r.organizationIds })
      }
      const feedbackIds = ids('feedback')
      if (feedbackIds.length) {
        const rows = await db.select({ id: feedbackItems.id, areaId: feedbackItems.areaId, organizationId: feedbackItems.organizationId }).from(feedbackItems).where(inArray(feedbackItems.id, feedbackIds))
        for (const r of rows) out.set(r.id, { areaId: r.areaId, organizationIds: r.organizationId ? [r.organizationId] : [] })
      }
      const decisionIds = ids('decision')
      if (decisionIds.length) {
        const rows = await db
          .select({ id: decisions.id, areaId: decisions.areaId, organizationIds: sql<string[]>`coalesce(array_agg(${decisionOrganizations.organizationId}::text) filter (where ${decisionOrganizations.organizationId} is not null), '{}')` })
          .from(decisions)
          .leftJoin(decisionOrganizations, eq(decisionOrganizations.decisionId, decisions.id))
          .where(inArray(decisions.id, decisionIds))
          .groupBy(decisions.id)
        for (const r of rows) out.set(r.id, { areaId: r.areaId, organizationIds: r.organizationIds })
      }
      const organizationIds = ids('organization')
      if (organizationIds.length) {
        const rows = await db.select({ id: organizations.id }).from(organizations).where(inArray(organizations.id, organizationIds))
        for (const r of rows) out.set(r.id, { areaId: null, organizationIds: [r.id] })
      }
      return out
    },

    /** Adds a delivery at the subscription's next sequence; a (subscription, outbox row) already owed is left as it is. */
    async addDelivery(d: { subscriptionId: string; agencyId: string; outboxId: number; type: string; payload: string; messageId: string; now: Date }): Promise<void> {
      await db.execute(sql`
        with next as (
          update ${webhookSubscriptions} set last_sequence = last_sequence + 1 where id = ${d.subscriptionId} returning last_sequence
        )
        insert into ${webhookDeliveries} (message_id, subscription_id, agency_id, outbox_id, sequence, type, payload, next_attempt_at, created_at)
        select ${d.messageId}, ${d.subscriptionId}, ${d.agencyId}, ${d.outboxId}, next.last_sequence, ${d.type}, ${d.payload}, ${d.now.toISOString()}::timestamptz, ${d.now.toISOString()}::timestamptz from next
        on conflict (subscription_id, outbox_id) do nothing`)
    },

    /** Whether an active subscription still owes the outbox row's delivery (the last one sent may forget what it carried). */
    async stillOwed(outboxId: number): Promise<boolean> {
      const rows = await db
        .select({ one: sql`1` })
        .from(webhookDeliveries)
        .innerJoin(webhookSubscriptions, and(eq(webhookSubscriptions.id, webhookDeliveries.subscriptionId), eq(webhookSubscriptions.status, 'active')))
        .where(and(eq(webhookDeliveries.outboxId, outboxId), eq(webhookDeliveries.status, 'pending')))
        .limit(1)
      return rows.length > 0
    },

    /** The dispatcher's position, locked for this transaction so two dispatchers never read the same rows. */
    async lockPosition(name: string): Promise<OutboxPosition | undefined> {
      await db.insert(webhookDispatchPosition).values({ name, tx: '0', outboxId: 0 }).onConflictDoNothing()
      const [row] = await db.select({ tx: webhookDispatchPosition.tx, id: webhookDispatchPosition.outboxId }).from(webhookDispatchPosition).where(eq(webhookDispatchPosition.name, name)).for('update')
      return row && row.tx !== '0' ? { tx: row.tx, id: row.id } : undefined
    },

    async movePosition(name: string, to: OutboxPosition, at: Date): Promise<void> {
      await db.update(webhookDispatchPosition).set({ tx: to.tx, outboxId: to.id, updatedAt: at }).where(eq(webhookDispatchPosition.name, name))
    },

    /** Active subscriptions with a delivery due and no sender holding them. */
    async due(now: Date, limit: number): Promise<string[]> {
      const rows = await db
        .selectDistinct({ id: webhookDeliveries.subscriptionId })
        .from(webhookDeliveries)
        .innerJoin(webhookSubscriptions, eq(webhookSubscriptions.id, webhookDeliveries.subscriptionId))
        .where(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAttemptAt, now), eq(webhookSubscriptions.status, 'active'), live, or(isNull(webhookSubscriptions.sendingUntil), lt(webhookSubscriptions.sendingUntil, now))))
        .limit(limit)
      return rows.map((r) => r.id)
    },

    /** Takes the subscription's send lease until `until` if it is active and nobody holds it; its URL when taken. */
    async claim(id: string, now: Date, until: Date): Promise<string | undefined> {
      const [row] = await db
        .update(webhookSubscriptions)
        .set({ sendingUntil: until })
        .where(and(eq(webhookSubscriptions.id, id), eq(webhookSubscriptions.status, 'active'), live, entitled, or(isNull(webhookSubscriptions.sendingUntil), lt(webhookSubscriptions.sendingUntil, now))))
        .returning({ url: webhookSubscriptions.url })
      return row?.url
    },

    async renew(id: string, until: Date): Promise<void> {
      await db.update(webhookSubscriptions).set({ sendingUntil: until }).where(eq(webhookSubscriptions.id, id))
    },

    async release(id: string): Promise<void> {
      await db.update(webhookSubscriptions).set({ sendingUntil: null }).where(eq(webhookSubscriptions.id, id))
    },

    /** The subscription's next pending deliveries, in sequence order (the first blocks the rest until it is delivered). */
    nextPending(subscriptionId: string, limit: number): Promise<(WebhookDeliveryRow & { payload: string })[]> {
      return db
        .select({ ...deliveryColumns, payload: webhookDeliveries.payload })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.subscriptionId, subscriptionId), eq(webhookDeliveries.status, 'pending')))
        .orderBy(asc(webhookDeliveries.sequence))
        .limit(limit)
    },

    async recordAttempt(id: string, changes: Partial<typeof webhookDeliveries.$inferInsert>): Promise<void> {
      await db.update(webhookDeliveries).set({ ...changes, attempts: sql`${webhookDeliveries.attempts} + 1` }).where(eq(webhookDeliveries.id, id))
    },

    async disable(id: string, reason: string, at: Date): Promise<void> {
      await db.update(webhookSubscriptions).set({ status: 'disabled', disabledReason: reason, disabledAt: at, updatedAt: at }).where(and(eq(webhookSubscriptions.id, id), live))
    },

    /** Pending deliveries of a subscription become due now (after it is enabled again). */
    async dueNow(subscriptionId: string, now: Date): Promise<void> {
      await db.update(webhookDeliveries).set({ nextAttemptAt: now, firstFailedAt: null }).where(and(eq(webhookDeliveries.subscriptionId, subscriptionId), eq(webhookDeliveries.status, 'pending')))
    },

    /** A page of the delivery log, newest first, after the sequence `before`. */
    deliveries(subscriptionId: string, limit: number, before?: number): Promise<WebhookDeliveryRow[]> {
      return db
        .select(deliveryColumns)
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.subscriptionId, subscriptionId), before === undefined ? undefined : lt(webhookDeliveries.sequence, before)))
        .orderBy(desc(webhookDeliveries.sequence))
        .limit(limit)
    },

    async delivery(subscriptionId: string, id: string): Promise<WebhookDeliveryRow | undefined> {
      const [row] = await db.select(deliveryColumns).from(webhookDeliveries).where(and(eq(webhookDeliveries.subscriptionId, subscriptionId), eq(webhookDeliveries.id, id))).limit(1)
      return row
    },

    /** Sends deliveries again (same webhook-id): one, or every one created since `since`. Returns how many. */
    async replay(subscriptionId: string, which: { id: string } | { since: Date }, now: Date): Promise<number> {
      const rows = await db
        .update(webhookDeliveries)
        .set({ status: 'pending', nextAttemptAt: now, firstFailedAt: null })
        .where(and(eq(webhookDeliveries.subscriptionId, subscriptionId), 'id' in which ? eq(webhookDeliveries.id, which.id) : gte(webhookDeliveries.createdAt, which.since)))
        .returning({ id: webhookDeliveries.id })
      return rows.length
    },
  }
}
export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>
