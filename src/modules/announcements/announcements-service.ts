/**
 * Outreach announcements: staff write what to spread, to whom, through which channels and when; the API sends nothing
 * itself (agency systems and partners pick announcements up from the change feed and webhooks) and partners report
 * back what they sent, per channel, so reach can be measured.
 */
import { publicActor } from '../../auth/actor.ts'
import type { Logger, RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import { AppError, invalidTransition, notFound, validationFailed, type FieldError } from '../../errors.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { FeedbackService } from '../feedback/feedback-service.ts'
import type { FeedbackViewer } from '../feedback/feedback-view.ts'
import type { Repositories } from '../repositories.ts'
import { decodeCursor, noRows, toPage, totalWhen, type CountedPage, type Page } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { preconditionFailed, versionMatches, type VersionCondition } from '../shared/versions.ts'
import type { Writes } from '../writes.ts'
import { announcementView, type AnnouncementView } from './announcement-view.ts'
import type { AnnouncementItemRow, AnnouncementRow, Targets } from './announcements-repository.ts'
import { announcementListQuery, createAnnouncementInput, reachReportInput, updateAnnouncementInput, withdrawAnnouncementInput } from './announcements-schemas.ts'

const notFoundError = () => notFound('ANNOUNCEMENT_NOT_FOUND', 'The announcement')
const asStaff = (agencyId: string): FeedbackViewer => ({ kind: 'staff', agencyId, organizationId: null })
const ORDER = 'announcements:published'

function targetProblems(t: Targets, found: Record<'areas' | 'organizations' | 'events' | 'decisions' | 'reportBacks', string[]>): FieldError[] {
  const problems: FieldError[] = []
  const check = (field: keyof Targets, known: string[], what: string) => {
    const set = new Set(known)
    t[field]?.forEach((id, i) => set.has(id) || problems.push({ field: `${field}.${i}`, message: `is not ${what} of this agency` }))
  }
  check('areaIds', found.areas, 'an area')
  check('organizationIds', found.organizations, 'an organization')
  check('eventIds', found.events, 'an event')
  check('decisionIds', found.decisions, 'a decision')
  check('reportBackIds', found.reportBacks, 'a report-back')
  return problems
}

export function createAnnouncementsService({ database, repositories, writes, agencies, feedback, log }: { database: Database; repositories: Repositories; writes: Writes; agencies: AgenciesService; feedback: FeedbackService; log: Logger }) {
  const { db } = database

  async function views(ctx: RequestContext, rows: AnnouncementRow[]): Promise<AnnouncementView[]> {
    const byId = await agencies.byIds(rows.map((r) => r.agencyId))
    return rows.map((r) => announcementView(r, byId.get(r.agencyId), ctx.languages))
  }
  async function load(ctx: RequestContext, id: string, viewer?: FeedbackViewer): Promise<AnnouncementView> {
    const row = await repositories.announcements.byId(id, viewer ?? (await feedback.viewerOf(ctx)), ctx.clock.now())
    if (!row) throw notFoundError()
    return (await views(ctx, [row]))[0]!
  }

  /**
   * A staff command on one announcement: the agency's, locked, at the version asked for; `apply` checks and writes the
   * change, then its audit and outbox rows follow in the same transaction. Answers the announcement as staff see it.
   */
  async function change(
    ctx: RequestContext,
    id: string,
    expectedVersion: VersionCondition,
    apply: (repos: Repositories, current: AnnouncementItemRow, agencyId: string) => Promise<{ action: string; updated: AnnouncementItemRow; details: Record<string, unknown>; visibility: 'public' | 'agency' }>,
  ): Promise<AnnouncementView> {
    const agency = await agencies.managedBy(ctx, 'announcements')
    if (!isUuid(id)) throw notFoundError()
    await db.transaction(async (tx) => {
      const repos = repositories.on(tx)
      const current = await repos.announcements.lock(agency.id, id)
      if (!current) throw notFoundError()
      if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
      const { action, updated, details, visibility } = await apply(repos, current, agency.id)
      await repos.audit.record(ctx, { agencyId: agency.id, action, entityType: 'announcement', entityId: id, details: { ...details, version: updated.version } })
      // A publish time travels with the change, for deliverers to hold a scheduled announcement until then.
      await repos.outbox.append(ctx, { agencyId: agency.id, entityType: 'announcement', entityId: id, action, visibility, payload: { id, version: updated.version, publishAt: updated.publishAt.toISOString() } })
    })
    return load(ctx, id, asStaff(agency.id))
  }

  return {
    async list(ctx: RequestContext, rawQuery: unknown): Promise<CountedPage<AnnouncementView>> {
      const { limit, cursor: rawCursor, agency: slug, count, ...filter } = parseInput(announcementListQuery, rawQuery)
      const cursor = rawCursor ? decodeCursor(rawCursor, ORDER) : undefined
      const agencyId = await agencies.idForFilter(slug)
      if (agencyId === null) return { data: [], nextCursor: null, ...(count ? noRows : {}) }
      const [viewer, now] = [await feedback.viewerOf(ctx), ctx.clock.now()]
      const [rows, total] = await Promise.all([
        repositories.announcements.list({ ...filter, agencyId }, viewer, now, cursor, limit),
        totalWhen(count, () => repositories.announcements.count({ ...filter, agencyId }, viewer, now, repositories.totalCountCap)),
      ])
      const page = toPage(rows, limit, ORDER, (r) => r.publishAt, (r) => r)
      return { data: await views(ctx, page.data), nextCursor: page.nextCursor, ...total }
    },

    async get(ctx: RequestContext, id: string): Promise<AnnouncementView> {
      if (!isUuid(id)) throw notFoundError()
      return load(ctx, id)
    },

    /** Those of `ids` the caller may see now, by id (the change feed reads a page's announcements at once). */
    async byIds(ctx: RequestContext, ids: string[]): Promise<Map<string, AnnouncementView>> {
      const rows = await repositories.announcements.byIds(ids.filter(isUuid), await feedback.viewerOf(ctx), ctx.clock.now())
      return new Map((await views(ctx, rows)).map((v) => [v.id, v]))
    },

    /** Staff write an announcement: targets and links checked in one read; the row, audit and outbox entries in one write. */
    async create(ctx: RequestContext, rawInput: unknown, idempotencyKey?: string): Promise<{ announcement: AnnouncementView; replayed: boolean }> {
      const agency = await agencies.managedBy(ctx, 'announcements')
      const input = parseInput(createAnnouncementInput, rawInput)
      const targets: Targets = { areaIds: input.areaIds, organizationIds: input.organizationIds, eventIds: input.eventIds, decisionIds: input.decisionIds, reportBackIds: input.reportBackIds }
      const now = ctx.clock.now()
      const publishAt = input.publishAt ?? now
      if (input.expiresAt && input.expiresAt.getTime() <= publishAt.getTime()) throw validationFailed([{ field: 'expiresAt', message: 'must be after the publish time' }])
      const status = input.publish ? 'published' : 'draft'
      const created = await writes.create(ctx, {
        operation: 'announcements.create',
        entityType: 'announcement',
        idempotencyKey,
        body: rawInput,
        checks: { targets: repositories.announcements.targetsCheck(agency.id, targets) },
        plan: (found, id) => {
          const problems = targetProblems(targets, found.targets)
          if (problems.length) throw validationFailed(problems)
          return {
            row: repositories.announcements.planInsert({
              id,
              agencyId: agency.id,
              kind: input.kind,
              title: input.title,
              body: input.body,
              languages: input.languages,
              channels: input.channels,
              areaIds: input.areaIds ?? [],
              organizationIds: input.organizationIds ?? [],
              eventIds: input.eventIds ?? [],
              decisionIds: input.decisionIds ?? [],
              reportBackIds: input.reportBackIds ?? [],
              status,
              publishAt,
              expiresAt: input.expiresAt ?? null,
              createdAt: now,
              updatedAt: now,
              timesNotedAt: now,
            }),
            audit: { agencyId: agency.id, action: status === 'published' ? 'announcement.published' : 'announcement.drafted', details: { kind: input.kind, channels: input.channels } },
            // Public once published (a scheduled one carries its publish time, for deliverers to hold it until then).
            outbox: { visibility: status === 'published' ? 'public' : 'agency', payload: { id, version: 1, publishAt: publishAt.toISOString() } },
          }
        },
      })
      return { announcement: await load(ctx, created.replayOf ?? created.row.id, asStaff(agency.id)), replayed: created.replayOf !== undefined }
    },

    /** Staff correct an announcement (text, languages, channels, targets, times) until it is withdrawn. */
    async update(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<AnnouncementView> {
      const input = parseInput(updateAnnouncementInput, rawInput)
      return change(ctx, id, expectedVersion, async (repos, current, agencyId) => {
        if (current.status === 'withdrawn') throw invalidTransition('A withdrawn announcement cannot be changed; write a new one')
        const publishAt = input.publishAt ?? current.publishAt
        const expiresAt = input.expiresAt === undefined ? current.expiresAt : input.expiresAt
        if (expiresAt && expiresAt.getTime() <= publishAt.getTime()) throw validationFailed([{ field: 'expiresAt', message: 'must be after the publish time' }])
        const targets: Targets = { areaIds: input.areaIds, organizationIds: input.organizationIds, eventIds: input.eventIds, decisionIds: input.decisionIds, reportBackIds: input.reportBackIds }
        const problems = targetProblems(targets, await repos.announcements.targetsFound(agencyId, targets))
        if (problems.length) throw validationFailed(problems)
        const updated = await repos.announcements.update(id, { ...input, publishAt, expiresAt, updatedAt: ctx.clock.now() })
        return { action: 'announcement.updated', updated, details: { fields: Object.keys(input) }, visibility: current.status === 'published' ? 'public' : 'agency' }
      })
    },

    /** Staff publish a draft: at its publish time (now, when that has passed). */
    async publish(ctx: RequestContext, id: string, expectedVersion: VersionCondition): Promise<AnnouncementView> {
      return change(ctx, id, expectedVersion, async (repos, current) => {
        if (current.status !== 'draft') throw invalidTransition(`A ${current.status} announcement cannot be published; only a draft can`)
        const now = ctx.clock.now()
        if (current.expiresAt && current.expiresAt.getTime() <= now.getTime()) throw invalidTransition('The announcement has expired; change its expiry first')
        const publishAt = current.publishAt.getTime() < now.getTime() ? now : current.publishAt
        const updated = await repos.announcements.update(id, { status: 'published', publishAt, updatedAt: now })
        return { action: 'announcement.published', updated, details: {}, visibility: 'public' }
      })
    },

    /** Staff withdraw an announcement (a correction, a cancelled meeting); deliverers stop sending it. */
    async withdraw(ctx: RequestContext, id: string, rawInput: unknown): Promise<AnnouncementView> {
      const input = parseInput(withdrawAnnouncementInput, rawInput)
      return change(ctx, id, 'any', async (repos, current) => {
        if (current.status === 'withdrawn') throw invalidTransition('The announcement was withdrawn already')
        const updated = await repos.announcements.withdraw(id, input.reason, ctx.clock.now())
        return { action: 'announcement.withdrawn', updated, details: { fromStatus: current.status }, visibility: current.status === 'published' ? 'public' : 'agency' }
      })
    },

    /**
     * Time, not a write, makes a scheduled announcement public and an expiring one leave: this writes those moments to the
     * outbox (announcement.live, announcement.expired) once each, so the change feed, webhooks and subscriptions carry them.
     */
    async noteScheduledTimes(now: Date): Promise<number> {
      const ctx: RequestContext = { actor: publicActor, requestId: 'scheduled-times', log, languages: [], clock: { now: () => now } }
      return db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const due = await repos.announcements.markTimesDue(now)
        await repos.outbox.append(
          ctx,
          due.map((a) => ({ agencyId: a.agencyId, entityType: 'announcement', entityId: a.id, action: a.expired ? 'announcement.expired' : 'announcement.live', visibility: 'public' as const, payload: { id: a.id, version: a.version } })),
        )
        return due.length
      })
    },

    /** A partner (for its organization) or staff report how many it went to through one channel; counts add up. */
    async reportReach(ctx: RequestContext, id: string, rawInput: unknown): Promise<AnnouncementView> {
      const actor = ctx.actor
      if (actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in as a partner or agency staff to report reach')
      if (actor.kind === 'analyst') throw new AppError('FORBIDDEN', 'Analysts read reach; they do not report it')
      if (actor.kind === 'partner' && !actor.organizationId) throw new AppError('FORBIDDEN', 'This partner token names no organization')
      const input = parseInput(reachReportInput, rawInput)
      if (!isUuid(id)) throw notFoundError()
      const agency = await agencies.ofActor(ctx)
      await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const current = await repos.announcements.lock(agency.id, id)
        if (!current || current.status !== 'published') throw notFoundError()
        if (!current.channels.includes(input.channel)) throw validationFailed([{ field: 'channel', message: `is not one of this announcement's channels (${current.channels.join(', ')})` }])
        const organizationId = actor.kind === 'partner' ? actor.organizationId! : null
        const updated = await repos.announcements.addReach({ announcementId: id, agencyId: agency.id, channel: input.channel, count: input.count, organizationId, reportedAt: ctx.clock.now() })
        await repos.audit.record(ctx, { agencyId: agency.id, action: 'announcement.reach_reported', entityType: 'announcement', entityId: id, details: { channel: input.channel, count: input.count } })
        await repos.outbox.append(ctx, { agencyId: agency.id, entityType: 'announcement', entityId: id, action: 'announcement.updated', visibility: 'public', payload: { id, version: updated.version } })
      })
      return load(ctx, id, asStaff(agency.id))
    },
  }
}
export type AnnouncementsService = ReturnType<typeof createAnnouncementsService>
