/** Webhook subscriptions: agency admins manage the agency systems' ones, a partner organization its own; nobody else sees any. */
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import { AppError, notFound, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { Repositories } from '../repositories.ts'
import { instant, isUuid, parseInput, uuid } from '../shared/validation.ts'
import { checkReceiverUrl, RefusedUrl, type UrlGuardSettings } from './url-guard.ts'
import type { WebhookDeliveryRow, WebhookSubscriptionRow } from './webhooks-repository.ts'

export type WebhookSubscriptionView = ReturnType<typeof subscriptionView>
export type WebhookDeliveryView = ReturnType<typeof deliveryView>

/** Never a secret: a secret is shown once, when it is made (create, rotate). */
export function subscriptionView(s: WebhookSubscriptionRow) {
  return {
    id: s.id,
    agencyId: s.agencyId,
    organizationId: s.organizationId,
    url: s.url,
    description: s.description,
    eventTypes: s.eventTypes,
    areaIds: s.areaIds,
    organizationIds: s.organizationIds,
    status: s.status,
    disabledReason: s.disabledReason,
    disabledAt: s.disabledAt ? s.disabledAt.toISOString() : null,
    previousSecretExpiresAt: s.previousSecretExpiresAt ? s.previousSecretExpiresAt.toISOString() : null,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  }
}

/** The log a subscriber reads: status codes and error classes, never what the receiver answered. */
export function deliveryView(d: WebhookDeliveryRow) {
  return {
    id: d.id,
    webhookId: d.messageId,
    sequence: d.sequence,
    type: d.type,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
    lastAttemptAt: d.lastAttemptAt ? d.lastAttemptAt.toISOString() : null,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    deliveredAt: d.deliveredAt ? d.deliveredAt.toISOString() : null,
    createdAt: d.createdAt.toISOString(),
  }
}

const eventType = z.string().regex(/^[a-z_]{1,40}\.[a-z_]{1,40}$/, { message: 'must be a change type such as event.scheduled' })
const filters = {
  description: z.string().trim().min(1).max(500).nullable().optional(),
  eventTypes: z.array(eventType).max(100).optional(),
  areaIds: z.array(uuid).max(100).optional(),
  organizationIds: z.array(uuid).max(100).optional(),
}
const createInput = z.strictObject({ url: z.string().max(2048), ...filters })
const updateInput = z.strictObject({ url: z.string().max(2048).optional(), ...filters })
const rotateInput = z.strictObject({ overlapSeconds: z.number().int().min(0).max(7 * 86_400).optional() }).optional()
const replayInput = z.strictObject({ since: instant })
const pageInput = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).optional(), cursor: z.string().max(40).optional() })

/** A Standard Webhooks secret: whsec_ and 32 random bytes in base64. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`
/** How long the old secret keeps signing after a rotation, unless the caller says otherwise. */
const DEFAULT_OVERLAP_SECONDS = 86_400

export type WebhookSettings = UrlGuardSettings

export function createWebhooksService({ database, repositories, agencies, settings, wake }: { database: Database; repositories: Repositories; agencies: AgenciesService; settings: WebhookSettings; wake: () => void }) {
  const { db } = database

  /** The agency and the owner the caller acts for: null for an admin (the agency's systems), the organization for a partner. */
  async function ownerOf(ctx: RequestContext): Promise<{ agency: AgencyRow; organizationId: string | null }> {
    if (ctx.actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in as an agency admin or a partner to manage webhook subscriptions')
    if (ctx.actor.kind === 'partner') {
      if (!ctx.actor.organizationId) throw new AppError('FORBIDDEN', 'This partner token names no organization')
      return { agency: await agencies.ofActor(ctx), organizationId: ctx.actor.organizationId }
    }
    if (ctx.actor.kind !== 'admin') throw new AppError('FORBIDDEN', 'Only agency admins and partners may manage webhook subscriptions')
    return { agency: await agencies.ofActor(ctx), organizationId: null }
  }

  /** The subscription if the caller may see it: an admin sees the agency's, a partner only its own; anything else is 404. */
  async function visible(ctx: RequestContext, id: string) {
    const owner = await ownerOf(ctx)
    const row = isUuid(id) ? await repositories.webhooks.byId(id) : undefined
    if (!row || row.agencyId !== owner.agency.id || (owner.organizationId !== null && row.organizationId !== owner.organizationId)) throw notFound('WEBHOOK_SUBSCRIPTION_NOT_FOUND', 'The webhook subscription')
    return { owner, row }
  }

  function receiverUrl(raw: string): string {
    try {
      return checkReceiverUrl(raw, settings).toString()
    } catch (err) {
      if (err instanceof RefusedUrl) throw validationFailed([{ field: 'url', message: err.message }])
      throw err
    }
  }

  async function checkAreas(agencyId: string, areaIds: string[] | undefined) {
    for (const [i, areaId] of (areaIds ?? []).entries())
      if (!(await repositories.agencies.areaInAgency(areaId, agencyId))) throw validationFailed([{ field: `areaIds.${i}`, message: 'is not an area of this agency' }])
  }

  return {
    async subscribe(ctx: RequestContext, rawInput: unknown): Promise<WebhookSubscriptionView & { secret: string }> {
      const { agency, organizationId } = await ownerOf(ctx)
      const input = parseInput(createInput, rawInput)
      const url = receiverUrl(input.url)
      await checkAreas(agency.id, input.areaIds)
      const secret = newSecret()
      const now = ctx.clock.now()
      const row = await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const created = await repos.webhooks.insert({
          agencyId: agency.id, organizationId, url, description: input.description ?? null, eventTypes: input.eventTypes ?? [], areaIds: input.areaIds ?? [],
          organizationIds: input.organizationIds ?? [], secret, createdAt: now, updatedAt: now,
        })
        await repos.audit.record(ctx, { agencyId: agency.id, action: 'webhook_subscription.created', entityType: 'webhook_subscription', entityId: created.id, details: { organizationId, host: new URL(url).host } })
        return created
      })
      wake()
      return { ...subscriptionView(row), secret }
    },

    async list(ctx: RequestContext): Promise<WebhookSubscriptionView[]> {
      const { agency, organizationId } = await ownerOf(ctx)
      return (await repositories.webhooks.list(agency.id, organizationId === null ? undefined : organizationId)).map(subscriptionView)
    },

    async get(ctx: RequestContext, id: string): Promise<WebhookSubscriptionView> {
      return subscriptionView((await visible(ctx, id)).row)
    },

    async change(ctx: RequestContext, id: string, rawInput: unknown): Promise<WebhookSubscriptionView> {
      const { owner } = await visible(ctx, id)
      const input = parseInput(updateInput, rawInput)
      const url = input.url === undefined ? undefined : receiverUrl(input.url)
      await checkAreas(owner.agency.id, input.areaIds)
      const now = ctx.clock.now()
      const row = await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const { url: _url, ...rest } = input
        const changed = await repos.webhooks.update(owner.agency.id, id, { ...rest, ...(url ? { url } : {}), updatedAt: now })
        if (!changed) throw notFound('WEBHOOK_SUBSCRIPTION_NOT_FOUND', 'The webhook subscription')
        await repos.audit.record(ctx, { agencyId: owner.agency.id, action: 'webhook_subscription.updated', entityType: 'webhook_subscription', entityId: id, details: { fields: Object.keys(input) } })
        return changed
      })
      return subscriptionView(row)
    },

    async unsubscribe(ctx: RequestContext, id: string): Promise<void> {
      const { owner } = await visible(ctx, id)
      await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        await repos.webhooks.remove(owner.agency.id, id, ctx.clock.now())
        await repos.audit.record(ctx, { agencyId: owner.agency.id, action: 'webhook_subscription.deleted', entityType: 'webhook_subscription', entityId: id })
      })
    },

    /** A new secret, shown once; the old one keeps signing beside it until the overlap ends, so receivers can switch. */
    async rotateSecret(ctx: RequestContext, id: string, rawInput: unknown): Promise<WebhookSubscriptionView & { secret: string }> {
      const { owner } = await visible(ctx, id)
      const input = parseInput(rotateInput, rawInput === null ? undefined : rawInput)
      const now = ctx.clock.now()
      const secret = newSecret()
      const expiresAt = new Date(now.getTime() + (input?.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS) * 1000)
      const row = await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const previous = await repos.webhooks.currentSecret(id)
        const changed = await repos.webhooks.update(owner.agency.id, id, { secret, previousSecret: previous ?? null, previousSecretExpiresAt: expiresAt, updatedAt: now })
        if (!changed) throw notFound('WEBHOOK_SUBSCRIPTION_NOT_FOUND', 'The webhook subscription')
        await repos.audit.record(ctx, { agencyId: owner.agency.id, action: 'webhook_subscription.secret_rotated', entityType: 'webhook_subscription', entityId: id, details: { previousExpiresAt: expiresAt.toISOString() } })
        return changed
      })
      return { ...subscriptionView(row), secret }
    },

    /** Active again after it was disabled: deliveries still pending are sent from where they stopped, in order. */
    async enable(ctx: RequestContext, id: string): Promise<WebhookSubscriptionView> {
      const { owner, row: current } = await visible(ctx, id)
      if (current.status === 'active') return subscriptionView(current)
      const now = ctx.clock.now()
      const row = await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const changed = await repos.webhooks.update(owner.agency.id, id, { status: 'active', disabledReason: null, disabledAt: null, updatedAt: now })
        await repos.webhooks.dueNow(id, now)
        await repos.audit.record(ctx, { agencyId: owner.agency.id, action: 'webhook_subscription.enabled', entityType: 'webhook_subscription', entityId: id })
        return changed!
      })
      wake()
      return subscriptionView(row)
    },

    /** The delivery log, newest first. */
    async deliveries(ctx: RequestContext, id: string, rawQuery: unknown): Promise<{ data: WebhookDeliveryView[]; nextCursor: string | null }> {
      await visible(ctx, id)
      const query = parseInput(pageInput, rawQuery ?? {})
      const limit = query.limit ?? 50
      let before: number | undefined
      if (query.cursor !== undefined) {
        const decoded = /^s(\d{1,15})$/.exec(Buffer.from(query.cursor, 'base64url').toString('utf8'))
        if (!decoded) throw new AppError('INVALID_CURSOR', 'The cursor is not one this listing issued; start again without it')
        before = Number(decoded[1])
      }
      const rows = await repositories.webhooks.deliveries(id, limit + 1, before)
      const page = rows.slice(0, limit)
      const last = page.at(-1)
      return { data: page.map(deliveryView), nextCursor: rows.length > limit && last ? Buffer.from(`s${last.sequence}`).toString('base64url') : null }
    },

    /** Sends one delivery again, with its webhook-id: a receiver that already has it sees a repeat. */
    async replay(ctx: RequestContext, id: string, deliveryId: string): Promise<{ replayed: number }> {
      const { owner } = await visible(ctx, id)
      if (!isUuid(deliveryId) || !(await repositories.webhooks.delivery(id, deliveryId))) throw notFound('WEBHOOK_DELIVERY_NOT_FOUND', 'The delivery')
      return replayWhere(ctx, owner.agency.id, id, { id: deliveryId })
    },

    /** Sends again every delivery made since a time (a receiver that lost its data asks for it again). */
    async replaySince(ctx: RequestContext, id: string, rawInput: unknown): Promise<{ replayed: number }> {
      const { owner } = await visible(ctx, id)
      const input = parseInput(replayInput, rawInput)
      return replayWhere(ctx, owner.agency.id, id, { since: input.since })
    },
  }

  async function replayWhere(ctx: RequestContext, agencyId: string, id: string, which: { id: string } | { since: Date }) {
    const replayed = await db.transaction(async (tx) => {
      const repos = repositories.on(tx)
      const count = await repos.webhooks.replay(id, which, ctx.clock.now())
      await repos.audit.record(ctx, { agencyId, action: 'webhook_subscription.replayed', entityType: 'webhook_subscription', entityId: id, details: 'id' in which ? { deliveryId: which.id } : { since: which.since.toISOString(), count } })
      return count
    })
    wake()
    return { replayed }
  }
}
export type WebhooksService = ReturnType<typeof createWebhooksService>
