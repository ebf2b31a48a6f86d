/** Report-backs: how an outcome was relayed to the community; recording one marks the feedback it answers as reported back. */
import { principalOf } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import { notFound, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import { createAuditRepository } from '../audit/audit-repository.ts'
import { createDecisionsRepository } from '../decisions/decisions-repository.ts'
import { statusesBefore } from '../feedback/feedback-lifecycle.ts'
import { createFeedbackRepository } from '../feedback/feedback-repository.ts'
import { transitionActor, type FeedbackService } from '../feedback/feedback-service.ts'
import { claimIdempotencyKey } from '../idempotency/idempotency.ts'
import { decodeCursor, toPage, type Page } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { reportBackView, type ReportBackView } from './report-back-view.ts'
import { createReportBacksRepository, type ReportBackRow } from './report-backs-repository.ts'
import { recordReportBackInput, reportBackListQuery } from './report-backs-schemas.ts'

const notFoundError = () => notFound('REPORT_BACK_NOT_FOUND', 'The report-back')

export function createReportBacksService({ database, agencies, feedback }: { database: Database; agencies: AgenciesService; feedback: FeedbackService }) {
  const { db } = database
  const staffAgency = (ctx: RequestContext): Promise<AgencyRow> => agencies.managedBy(ctx, 'report-backs')

  async function views(ctx: RequestContext, rows: ReportBackRow[]): Promise<ReportBackView[]> {
    const byId = await agencies.byIds(rows.map((r) => r.agencyId))
    return rows.map((r) => reportBackView(r, byId.get(r.agencyId), ctx.languages))
  }

  const service = {
    async list(ctx: RequestContext, rawQuery: unknown): Promise<Page<ReportBackView>> {
      const query = parseInput(reportBackListQuery, rawQuery)
      const { limit, cursor: rawCursor, agency: slug, ...filter } = query
      const order = query.updatedSince ? 'report-backs:updated' : 'report-backs:relayed'
      const cursor = rawCursor ? decodeCursor(rawCursor, order) : undefined
      const agencyId = await agencies.idForFilter(slug)
      if (agencyId === null) return { data: [], nextCursor: null }
      const rows = await createReportBacksRepository(db).list({ ...filter, agencyId }, await feedback.viewerOf(ctx), cursor, limit)
      const page = toPage(rows, limit, order, (r) => (query.updatedSince ? r.updatedAt : r.relayedAt), (r) => r)
      return { data: await views(ctx, page.data), nextCursor: page.nextCursor }
    },

    async get(ctx: RequestContext, id: string): Promise<ReportBackView> {
      if (!isUuid(id)) throw notFoundError()
      const row = await createReportBacksRepository(db).byId(id, await feedback.viewerOf(ctx))
      if (!row) throw notFoundError()
      return (await views(ctx, [row]))[0]!
    },

    async byIds(ctx: RequestContext, ids: Iterable<string>): Promise<Map<string, ReportBackView>> {
      const unique = [...new Set(ids)].filter(isUuid)
      const rows = unique.length ? await createReportBacksRepository(db).byIds(unique, await feedback.viewerOf(ctx)) : []
      return new Map((await views(ctx, rows)).map((r) => [r.id, r]))
    },

    /** The report-backs of each decision of a batch: one statement. */
    async ofDecisions(ctx: RequestContext, decisionIds: string[]): Promise<Map<string, ReportBackView[]>> {
      const rows = await createReportBacksRepository(db).ofDecisions(decisionIds, await feedback.viewerOf(ctx))
      const list = await views(ctx, rows)
      const out = new Map<string, ReportBackView[]>(decisionIds.map((id) => [id, []]))
      rows.forEach((r, i) => r.decisionId && out.get(r.decisionId)?.push(list[i]!))
      return out
    },

    /**
     * Records how an outcome was relayed and, in the same transaction, marks its feedback (given, or every item the
     * decision answers) as reported back where the lifecycle allows, with a history row and reported_back_at each.
     */
    async record(ctx: RequestContext, rawInput: unknown, idempotencyKey?: string): Promise<{ reportBack: ReportBackView; replayed: boolean }> {
      const agency = await staffAgency(ctx)
      const input = parseInput(recordReportBackInput, rawInput)
      const staffViewer = { kind: 'staff' as const, agencyId: agency.id, organizationId: null }
      let replayed = false
      const id = await db.transaction(async (tx) => {
        const claim = idempotencyKey ? await claimIdempotencyKey(tx, { principal: principalOf(ctx.actor), operation: 'report-backs.record', key: idempotencyKey }, rawInput, ctx.clock.now()) : undefined
        if (claim?.replayOf) {
          replayed = true
          return claim.replayOf
        }
        const repo = createReportBacksRepository(tx)
        const now = ctx.clock.now()
        const feedbackRepo = createFeedbackRepository(tx)
        const problems: { field: string; message: string }[] = []
        const decision = await createDecisionsRepository(tx).byId(input.decisionId, staffViewer)
        if (!decision || decision.agencyId !== agency.id) problems.push({ field: 'decisionId', message: 'is not a decision of this agency' })
        if (input.eventId && !(await createDecisionsRepository(tx).eventIdsInAgency(agency.id, [input.eventId])).length) problems.push({ field: 'eventId', message: 'is not an event of this agency' })
        if (input.feedbackIds?.length) {
          const known = new Set(await feedbackRepo.idsInAgency(agency.id, input.feedbackIds))
          input.feedbackIds.forEach((f, i) => known.has(f) || problems.push({ field: `feedbackIds.${i}`, message: 'is not a feedback item of this agency' }))
        }
        if (problems.length) throw validationFailed(problems)
        const created = await repo.insert({
          agencyId: agency.id,
          decisionId: input.decisionId,
          channel: input.channel,
          relayedAt: input.relayedAt,
          eventId: input.eventId ?? null,
          languages: input.languages ?? [],
          audience: input.audience ?? [],
          summary: input.summary ?? {},
          url: input.url ?? null,
          publication: input.publication ?? 'published',
          createdAt: now,
          updatedAt: now,
        })
        const feedbackIds = input.feedbackIds ?? (await repo.feedbackOfDecision(input.decisionId))
        await repo.linkFeedback(agency.id, created.id, feedbackIds)
        // Reported back when the outcome was relayed, not when someone typed it in.
        const at = input.relayedAt
        const moved = await feedbackRepo.moveMany(agency.id, feedbackIds, statusesBefore('reported_back'), 'reported_back', at, now)
        await feedbackRepo.insertTransitions(
          moved.map((m) => ({ agencyId: agency.id, feedbackId: m.id, fromStatus: m.from, toStatus: 'reported_back' as const, at, note: `Reported back by ${input.channel.replaceAll('_', ' ')} (${created.id})`, ...transitionActor(ctx) })),
        )
        await claim?.complete(created.id, 201)
        await createAuditRepository(tx).record(ctx, { agencyId: agency.id, action: 'report_back.recorded', entityType: 'report_back', entityId: created.id, details: { decisionId: input.decisionId, feedbackLinked: feedbackIds.length, feedbackReportedBack: moved.length } })
        return created.id
      })
      const row = await createReportBacksRepository(db).byId(id, staffViewer)
      if (!row) throw notFoundError()
      return { reportBack: (await views(ctx, [row]))[0]!, replayed }
    },
  }
  return service
}
export type ReportBacksService = ReturnType<typeof createReportBacksService>
