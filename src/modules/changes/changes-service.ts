/**
 * The change feed: the outbox in commit order, as this caller may see it. Each entry is the resource as the caller's own
 * read of it returns it now, or a tombstone when it is no longer theirs to see; a client applying every page from any
 * cursor ends equal to a fresh full read.
 */
import { z } from 'zod'
import { canManage } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import { AppError } from '../../errors.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { AnnouncementsService } from '../announcements/announcements-service.ts'
import type { LiaisonsService } from '../liaisons/liaisons-service.ts'
import type { DecisionsService } from '../decisions/decisions-service.ts'
import type { EventsService } from '../events/events-service.ts'
import type { SeriesService } from '../events/series-service.ts'
import type { FeedbackService } from '../feedback/feedback-service.ts'
import type { OrganizationsService } from '../organizations/organizations-service.ts'
import type { OutboxFilter, OutboxPosition, OutboxRow } from '../outbox/outbox-repository.ts'
import type { Repositories } from '../repositories.ts'
import type { PrioritiesService } from '../priorities/priorities-service.ts'
import type { ReportBacksService } from '../report-backs/report-backs-service.ts'
import { parseInput } from '../shared/validation.ts'

/** The outbox's entity types the feed carries, each read back through its own service. Participants and attendance stay out: personal data. */
export const feedResourceTypes = ['event', 'series', 'organization', 'feedback', 'decision', 'report_back', 'priority', 'announcement', 'liaison', 'agency', 'area'] as const
export type FeedResourceType = (typeof feedResourceTypes)[number]

export type ChangeEntry = {
  cursor: string
  /** What happened last to the resource within this page, e.g. event.cancelled. */
  type: string
  resourceType: FeedResourceType
  id: string
  occurredAt: string
} & ({ resource: Record<string, unknown>; tombstone?: undefined } | { tombstone: true; reason: 'removed'; resource?: undefined })

/** A resource that left the caller's view, and when it last changed. */
export type Removed = { id: string; at: string }

export type ChangePage = { data: ChangeEntry[]; cursor: string; hasMore: boolean }

export const changesQuery = z.strictObject({
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  agency: z.string().regex(/^[a-z0-9-]{1,63}$/).optional(),
})

/** The start of the feed: before every row. */
const startCursor = 'c1.0.0'

/** A position as the opaque cursor clients hand back: the writing transaction and the row, in commit order. */
export const encodeChangeCursor = (p: OutboxPosition) => `c1.${p.tx}.${p.id}`

export function decodeChangeCursor(raw: string | undefined): OutboxPosition | undefined {
  if (raw === undefined || raw === startCursor) return undefined
  const match = /^c1\.(\d{1,20})\.(\d{1,19})$/.exec(raw)
  // A transaction id is an xid8 (at most 2^64 - 1), a row id a safe integer: anything larger no cursor ever held.
  if (!match || BigInt(match[1]!) > 0xffffffffffffffffn || !Number.isSafeInteger(Number(match[2]))) throw new AppError('INVALID_CURSOR', 'The cursor is not one the change feed issued; start again without it')
  return { tx: match[1]!, id: Number(match[2]) }
}

type Loader = (ctx: RequestContext, ids: string[]) => Promise<Map<string, unknown>>

/** A service's read by id as a batch: what it refuses (not found, not visible) is simply absent. */
const oneByOne = (get: (ctx: RequestContext, id: string) => Promise<{ id: string }>): Loader => async (ctx, ids) => {
  const out = new Map<string, unknown>()
  for (const id of ids) {
    try {
      out.set(id, await get(ctx, id))
    } catch (err) {
      if (!(err instanceof AppError) || (err.status !== 404 && err.status !== 403)) throw err
    }
  }
  return out
}

export function createChangesService(deps: {
  repositories: Repositories
  agencies: AgenciesService
  events: EventsService
  series: SeriesService
  organizations: OrganizationsService
  feedback: FeedbackService
  decisions: DecisionsService
  reportBacks: ReportBacksService
  priorities: PrioritiesService
  announcements: AnnouncementsService
  liaisons: LiaisonsService
}) {
  const { repositories, agencies } = deps
  const loaders: Record<FeedResourceType, Loader> = {
    event: (ctx, ids) => deps.events.byIds(ctx, ids),
    series: (ctx, ids) => deps.series.byIds(ctx, ids),
    organization: (ctx, ids) => deps.organizations.byIds(ctx, ids),
    feedback: (ctx, ids) => deps.feedback.byIds(ctx, ids),
    decision: (ctx, ids) => deps.decisions.byIds(ctx, ids),
    report_back: (ctx, ids) => deps.reportBacks.byIds(ctx, ids),
    priority: async (ctx, ids) => new Map((await deps.priorities.byIds(ctx, ids)).map((p) => [p.id, p])),
    announcement: (ctx, ids) => deps.announcements.byIds(ctx, ids),
    // A liaison as its own read returns it without a purpose: contact never travels in the feed.
    liaison: oneByOne((ctx, id) => deps.liaisons.get(ctx, id)),
    agency: (_ctx, ids) => agencies.profilesByIds(ids),
    area: (_ctx, ids) => agencies.areasByIds(ids),
  }

  /**
   * Which rows the caller may learn of: public rows and the later rows of an entity that was public (its leaving their
   * view), so an entity never public is never mentioned to an outsider; and in their own agency what their role may see
   * beyond that: staff everything, an analyst all feedback, a partner the feedback it collected and the events (drafts it co-hosts).
   */
  async function sightOf(ctx: RequestContext): Promise<OutboxFilter['sight']> {
    const actor = ctx.actor
    if (actor.kind === 'public') return { agencyId: null }
    const agencyId = (await agencies.ofActor(ctx)).id
    if (canManage(actor)) return { agencyId }
    if (actor.kind === 'partner')
      // A co-host may be removed from a draft later: every event row of the agency, so that leaving comes as a tombstone;
      // liaisons likewise, as a partner sees those its organization proposed before staff confirm them.
      return { agencyId, types: ['event', 'liaison'], ...(actor.organizationId ? { feedbackOf: actor.organizationId } : {}) }
    return { agencyId, types: ['feedback'] }
  }

  /** The rows' resources as the caller may see them now, keyed type then id. */
  async function resourcesOf(ctx: RequestContext, rows: OutboxRow[]): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>()
    for (const type of feedResourceTypes) {
      const ids = [...new Set(rows.filter((r) => r.entityType === type).map((r) => r.entityId))]
      if (ids.length === 0) continue
      for (const [id, view] of await loaders[type](ctx, ids)) out.set(`${type}:${id}`, view)
    }
    return out
  }

  /** The test of the type's own reads for whether the caller may see a resource, as SQL on its id. */
  async function seenBy(ctx: RequestContext, type: FeedResourceType): Promise<ReturnType<Repositories['events']['seen']>> {
    if (type === 'event') return repositories.events.seen(await deps.events.visibilityFor(ctx))
    const viewer = await deps.feedback.viewerOf(ctx)
    if (type === 'feedback') return repositories.feedback.seen(viewer)
    if (type === 'decision') return repositories.decisions.seen(viewer)
    if (type === 'report_back') return repositories.reportBacks.seen(viewer)
    throw new Error(`no sync list reads ${type}`)
  }

  return {
    /** The page after `after` (the start when absent); its `cursor` is where the next page starts, even when it is empty. */
    async page(ctx: RequestContext, rawQuery: unknown): Promise<ChangePage> {
      const query = parseInput(changesQuery, rawQuery)
      const after = decodeChangeCursor(query.after)
      const here = after ? encodeChangeCursor(after) : startCursor
      const agencyId = await agencies.idForFilter(query.agency)
      if (agencyId === null) return { data: [], cursor: here, hasMore: false }
      const filter: OutboxFilter = { entityTypes: feedResourceTypes, sight: await sightOf(ctx), ...(agencyId ? { agencyId } : {}) }
      const read = await repositories.outbox.readCommitted(after, query.limit + 1, filter)
      const hasMore = read.length > query.limit
      const rows = read.slice(0, query.limit)
      // A resource changed several times in the page appears once, where it last changed.
      const last = new Map<string, OutboxRow>()
      for (const row of rows) last.set(`${row.entityType}:${row.entityId}`, row)
      const latest = rows.filter((row) => last.get(`${row.entityType}:${row.entityId}`) === row)
      const resources = await resourcesOf(ctx, latest)
      const data = latest.map((row): ChangeEntry => {
        const base = { cursor: encodeChangeCursor(row), type: row.action, resourceType: row.entityType as FeedResourceType, id: row.entityId, occurredAt: row.occurredAt.toISOString() }
        const resource = resources.get(`${row.entityType}:${row.entityId}`)
        return resource === undefined ? { ...base, tombstone: true, reason: 'removed' } : { ...base, resource: resource as Record<string, unknown> }
      })
      const end = rows.at(-1)
      return { data, cursor: end ? encodeChangeCursor(end) : here, hasMore }
    },

    /**
     * For a list read with `updatedSince` (its first page: no cursor), the resources of `type` that changed since then and
     * are no longer the caller's to see (retracted, withheld, unpublished, erased, deleted), newest first, at most 1000;
     * undefined for any other read. `query` is the list's own, already validated by the list; only its agency narrows this.
     */
    async removedOf(ctx: RequestContext, type: FeedResourceType, query: Record<string, unknown>): Promise<Removed[] | undefined> {
      if (typeof query.updatedSince !== 'string' || query.cursor !== undefined) return undefined
      const agencyId = await agencies.idForFilter(typeof query.agency === 'string' ? query.agency : undefined)
      if (agencyId === null) return []
      const filter = { sight: await sightOf(ctx), ...(agencyId ? { agencyId } : {}) }
      // One statement: the latest change of each resource since then, kept where the caller's own read would now refuse it.
      const left = await repositories.outbox.leftSightSince(new Date(query.updatedSince), type, filter, await seenBy(ctx, type), 1000)
      return left.map((r) => ({ id: r.id, at: r.at.toISOString() }))
    },
  }
}
export type ChangesService = ReturnType<typeof createChangesService>
