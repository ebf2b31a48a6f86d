// The delivery work, free of the queue that schedules it: the dispatcher turns outbox rows into deliveries owed to
// matching subscriptions, and a sender sends one subscription's deliveries in sequence, backing off when they fail.
import { createHash } from 'node:crypto'
import type { Clock } from '../../clock.ts'
import type { Logger } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import type { OutboxRow } from '../outbox/outbox-repository.ts'
import type { Repositories } from '../repositories.ts'
import type { Sender } from './webhook-sender.ts'
import type { Facets, Matchable } from './webhooks-repository.ts'

export type RetrySettings = {
  /** The first retry waits about this long; each next one twice as long, jittered. */
  baseMs: number
  /** No wait is longer than this. */
  maxMs: number
  /** A delivery still failing this long after its first failure is given up and its subscription disabled. */
  giveUpAfterMs: number
}

export type DeliverySettings = { baseUrl: string; retry: RetrySettings; timeoutMs: number }

const POSITION = 'webhooks'
const OUTBOX_BATCH = 200
const SEND_BATCH = 50

/** Where the receiver reads the resource with its own credentials (types without a resource of their own have none). */
const resourcePaths: Record<string, string> = { event: 'events', series: 'series', feedback: 'feedback', decision: 'decisions', organization: 'organizations', participant: 'participants', report_back: 'report-backs', liaison: 'liaisons' }

/** Stable per (subscription, outbox row): whoever dispatches the row, whenever, it is the same webhook-id. */
export const messageIdOf = (subscriptionId: string, outboxId: number) => `msg_${createHash('sha256').update(`${subscriptionId}:${outboxId}`).digest('base64url').slice(0, 27)}`

/** The Standard Webhooks body: thin by design (what changed and where to read it), never the resource's content. */
export function payloadOf(row: OutboxRow, baseUrl: string): string {
  const path = resourcePaths[row.entityType]
  const version = typeof row.payload.version === 'number' ? row.payload.version : null
  return JSON.stringify({
    type: row.action,
    timestamp: row.occurredAt.toISOString(),
    data: { resourceType: row.entityType, id: row.entityId, version, agencyId: row.agencyId, occurredAt: row.occurredAt.toISOString(), url: path ? `${baseUrl}/v1/${path}/${row.entityId}` : null },
  })
}

/**
 * Whether a subscription gets a change: its owner may see it (the agency's systems: any change of the agency; a partner:
 * public changes and those of resources its organization belongs to), and it passes the type, area and organization filters.
 */
export function matches(sub: Matchable, row: OutboxRow, facets: Facets | undefined): boolean {
  if (row.agencyId !== sub.agencyId || row.occurredAt < sub.createdAt) return false
  const organizations = facets?.organizationIds ?? []
  if (sub.organizationId !== null && row.visibility !== 'public' && !organizations.includes(sub.organizationId)) return false
  if (sub.eventTypes.length && !sub.eventTypes.includes(row.action)) return false
  if (sub.areaIds.length && !(facets?.areaId && sub.areaIds.includes(facets.areaId))) return false
  if (sub.organizationIds.length && !organizations.some((o) => sub.organizationIds.includes(o))) return false
  return true
}

/** Exponential backoff with equal jitter: between half and all of base·2^(n−1), capped. `random` in [0, 1). */
export function backoffMs(failures: number, retry: RetrySettings, random: number): number {
  const ceiling = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(30, failures - 1))
  return Math.round(ceiling / 2 + (ceiling / 2) * random)
}

/** What a delivery sends beyond its stored body, read at send time (personal data never rests in a delivery), and what to forget once acknowledged. */
export type Attach = (delivery: { type: string; payload: string; outboxId: number }) => Promise<{ body: string; onDelivered?: () => Promise<void> }>

export function createWebhookDelivery({ database, repositories, clock, signingClock, sender, settings, log, random = Math.random, attach }: {
  database: Database
  repositories: Repositories
  /** Domain time: when a retry is due, when to give up. */
  clock: Clock
  /** The webhook-timestamp: receivers compare it with their wall clock, so it is the wall clock's. */
  signingClock: Clock
  sender: Sender
  settings: DeliverySettings
  log: Logger
  random?: () => number
  attach?: Attach
}) {
  return {
    /**
     * Moves the dispatcher's position over committed outbox rows, adding a delivery per matching subscription in the same
     * transaction as the move: a crash or a restart either did both or neither, so no row is lost or owed twice.
     * Returns the subscriptions that have a delivery due now.
     */
    async dispatch(): Promise<string[]> {
      for (;;) {
        const moved = await database.db.transaction(async (tx) => {
          const repos = repositories.on(tx)
          const position = await repos.webhooks.lockPosition(POSITION)
          const rows = await repos.outbox.readCommitted(position, OUTBOX_BATCH)
          if (rows.length === 0) return 0
          const now = clock.now()
          const subscriptions = await repos.webhooks.liveOf([...new Set(rows.map((r) => r.agencyId).filter((a): a is string => a !== null))])
          const facets = subscriptions.length ? await repos.webhooks.facetsOf(rows) : new Map<string, Facets>()
          for (const row of rows)
            for (const sub of subscriptions)
              if (matches(sub, row, facets.get(row.entityId)))
                await repos.webhooks.addDelivery({ subscriptionId: sub.id, agencyId: sub.agencyId, outboxId: row.id, type: row.action, payload: payloadOf(row, settings.baseUrl), messageId: messageIdOf(sub.id, row.id), now })
          const last = rows.at(-1)!
          await repos.webhooks.movePosition(POSITION, { tx: last.tx, id: last.id }, now)
          return rows.length
        })
        if (moved < OUTBOX_BATCH) break
      }
      return repositories.webhooks.due(clock.now(), 100)
    },

    /**
     * Sends a subscription's due deliveries strictly in sequence while it holds the subscription's lease; the first failure
     * stops the run (later ones wait behind it, so a receiver sees them in order) and is retried after a backoff.
     */
    async sendFor(subscriptionId: string): Promise<void> {
      // The lease outlives one send; it is renewed before each, so a sender that died is replaced within about one.
      const leaseUntil = () => new Date(clock.now().getTime() + settings.timeoutMs + 5_000)
      const url = await repositories.webhooks.claim(subscriptionId, clock.now(), leaseUntil())
      if (!url) return
      try {
        for (;;) {
          const pending = await repositories.webhooks.nextPending(subscriptionId, SEND_BATCH)
          let sent = 0
          for (const delivery of pending) {
            const now = clock.now()
            if (delivery.nextAttemptAt > now) return
            await repositories.webhooks.renew(subscriptionId, leaseUntil())
            const secrets = await repositories.webhooks.signingSecrets(subscriptionId, now)
            const sending = attach ? await attach(delivery) : { body: delivery.payload }
            const outcome = await sender.send(url, { messageId: delivery.messageId, body: sending.body, secrets, timestamp: signingClock.now() })
            const at = clock.now()
            if (outcome.ok) {
              await repositories.webhooks.recordAttempt(delivery.id, { status: 'delivered', deliveredAt: at, lastAttemptAt: at, lastStatusCode: outcome.statusCode, lastError: null })
              await sending.onDelivered?.()
              sent++
              continue
            }
            const firstFailedAt = delivery.firstFailedAt ?? at
            const failures = delivery.firstFailedAt ? delivery.attempts + 1 : 1
            const failed = { lastAttemptAt: at, lastStatusCode: outcome.statusCode, lastError: outcome.errorClass, firstFailedAt }
            if (at.getTime() - firstFailedAt.getTime() >= settings.retry.giveUpAfterMs) {
              const reason = `Delivery ${delivery.messageId} kept failing for ${Math.round((at.getTime() - firstFailedAt.getTime()) / 3_600_000)} h (last: ${outcome.errorClass}${outcome.statusCode ? ` ${outcome.statusCode}` : ''})`
              await database.db.transaction(async (tx) => {
                await repositories.on(tx).webhooks.recordAttempt(delivery.id, { ...failed, status: 'failed' })
                await repositories.on(tx).webhooks.disable(subscriptionId, reason, at)
              })
              log.warn({ subscriptionId, errorClass: outcome.errorClass }, 'webhook subscription disabled after persistent failure')
              return
            }
            await repositories.webhooks.recordAttempt(delivery.id, { ...failed, nextAttemptAt: new Date(at.getTime() + backoffMs(failures, settings.retry, random())) })
            return
          }
          if (pending.length < SEND_BATCH || sent === 0) return
        }
      } finally {
        await repositories.webhooks.release(subscriptionId).catch((err: unknown) => log.warn({ err }, 'webhook send lease not released; it runs out by itself'))
      }
    },
  }
}
export type WebhookDelivery = ReturnType<typeof createWebhookDelivery>
