/** Report-backs: how an outcome was relayed to the community; recording one marks the feedback it answers as reported back. */
import type { RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import { notFound, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import { statusesBefore } from '../feedback/feedback-lifecycle.ts'
import { transitionActor, type FeedbackService } from '../feedback/feedback-service.ts'
import type { Repositories } from '../repositories.ts'
import { decodeCursor, noRows, toPage, totalWhen, type CountedPage, type Page } from '../shared/pagination.ts'
import type { Writes } from '../writes.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { reportBackView, type ReportBackView } from './report-back-view.ts'
import type { ReportBackRow } from './report-backs-repository.ts'
import { recordReportBackInput, reportBackListQuery } from './report-backs-schemas.ts'

const notFoundError = () => notFound('REPORT_BACK_NOT_FOUND', 'The report-back')

export function createReportBacksService({ repositories, writes, agencies, feedback }: { database: Database; repositories: Repositories; writes: Writes; agencies: AgenciesService; feedback: FeedbackService }) {
  const staffAgency = (ctx: RequestContext): Promise<AgencyRow> => agencies.managedBy(ctx, 'report-backs')

  async function views(ctx: RequestContext, rows: ReportBackRow[]): Promise<ReportBackView[]> {
    const byId = await agencies.byIds(rows.map((r) => r.agencyId))
    return rows.map((r) => reportBackView(r, byId.get(r.agencyId), ctx.languages))
  }

  const service = {
    async list(ctx: RequestContext, rawQuery: unknown): Promise<CountedPage<ReportBackView>> {
      const query = parseInput(reportBackListQuery, rawQuery)
      const { limit, cursor: rawCursor, agency: slug, count, ...filter } = query
      const order = query.updatedSince ? 'report-backs:updated' : 'report-backs:relayed'
      const cursor = rawCursor ? decodeCursor(rawCursor, order) : undefined
      const agencyId = await agencies.idForFilter(slug)
      if (agencyId === null) return { data: [], nextCursor: null, ...(count ? noRows : {}) }
      const viewer = await feedback.viewerOf(ctx)
      const [rows, total] = await Promise.all([
        repositories.reportBacks.list({ ...filter, agencyId }, viewer, cursor, limit),
        totalWhen(count, () => repositories.reportBacks.count({ ...filter, agencyId }, viewer, repositories.totalCountCap)),
      ])
      const page = toPage(rows, limit, order, (r) => (query.updatedSince ? r.updatedAt : r.relayedAt), (r) => r)
      return { data: await views(ctx, page.data), nextCursor: page.nextCursor, ...total }
    },

    async get(ctx: RequestContext, id: string): Promise<ReportBackView> {
      if (!isUuid(id)) throw notFoundError()
      const row = await repositories.reportBacks.byId(id, await feedback.viewerOf(ctx))
      if (!row) throw notFoundError()
      return (await views(ctx, [row]))[0]!
    },

    async byIds(ctx: RequestContext, ids: Iterable<string>): Promise<Map<string, ReportBackView>> {
      const unique = [...new Set(ids)].filter(isUuid)
      const rows = unique.length ? await repositories.reportBacks.byIds(unique, await feedback.viewerOf(ctx)) : []
      return new Map((await views(ctx, rows)).map((r) => [r.id, r]))
    },

    /** The report-backs of each decision of a batch: one statement. */
    async ofDecisions(ctx: RequestContext, decisionIds: string[]): Promise<Map<string, ReportBackView[]>> {
      const rows = await repositories.reportBacks.ofDecisions(decisionIds, await feedback.viewerOf(ctx))
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
      let feedbackIds: string[] = []
      // Its checks (and the decision's feedback, when none is named) in one read, then one write (see src/modules/writes.ts).
      const created = await writes.create(ctx, {
        operation: 'report-backs.record',
        entityType: 'report_back',
        idempotencyKey,
        body: rawInput,
        checks: {
          decision: repositories.reportBacks.decisionInAgencyCheck(input.decisionId, agency.id),
          event: input.eventId ? repositories.decisions.eventsInAgencyCheck(agency.id, [input.eventId]) : undefined,
          feedback: input.feedbackIds?.length ? repositories.feedback.inAgencyCheck(agency.id, input.feedbackIds) : undefined,
          decisionFeedback: input.feedbackIds ? undefined : repositories.reportBacks.feedbackOfDecisionCheck(input.decisionId),
        },
        plan: (found, id) => {
          const problems: { field: string; message: string }[] = []
          if (!found.decision) problems.push({ field: 'decisionId', message: 'is not a decision of this agency' })
          if (input.eventId && !found.event?.length) problems.push({ field: 'eventId', message: 'is not an event of this agency' })
          if (input.feedbackIds?.length) {
            const known = new Set(found.feedback?.map((f) => f.id))
            input.feedbackIds.forEach((f, i) => known.has(f) || problems.push({ field: `feedbackIds.${i}`, message: 'is not a feedback item of this agency' }))
          }
          if (problems.length) throw validationFailed(problems)
          const linked = input.feedbackIds ? (found.feedback ?? []) : found.decisionFeedback!
          feedbackIds = [...linked].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((f) => f.id)
          const toLink = input.feedbackIds ?? linked.map((f) => f.id)
          const now = ctx.clock.now()
          // Reported back when the outcome was relayed, not when someone typed it in.
          const at = input.relayedAt
          const moved = repositories.feedback.planMoveMany(agency.id, toLink, statusesBefore('reported_back'), 'reported_back', at, now)
          const publication = input.publication ?? 'published'
          return {
            row: repositories.reportBacks.planInsert({
              id,
              agencyId: agency.id,
              decisionId: input.decisionId,
              channel: input.channel,
              relayedAt: input.relayedAt,
              eventId: input.eventId ?? null,
              languages: input.languages ?? [],
              audience: input.audience ?? [],
              summary: input.summary ?? {},
              url: input.url ?? null,
              publication,
              createdAt: now,
              updatedAt: now,
            }),
            alongside: [
              repositories.reportBacks.planLinks(agency.id, id, toLink),
              moved,
              repositories.feedback.planTransitionsOf(moved, { agencyId: agency.id, toStatus: 'reported_back', at, note: `Reported back by ${input.channel.replaceAll('_', ' ')} (${id})`, ...transitionActor(ctx) }),
              repositories.outbox.planAppendMoved(ctx, moved, agency.id, 'feedback.status_changed'),
            ],
            audit: { agencyId: agency.id, action: 'report_back.recorded', details: { decisionId: input.decisionId, feedbackLinked: toLink.length, feedbackReportedBack: writes.countOf(moved) } },
            outbox: { visibility: publication === 'published' ? 'public' : 'agency', payload: { id, version: 1 } },
          }
        },
      })
      if (created.replayOf !== undefined) {
        const row = await repositories.reportBacks.byId(created.replayOf, staffViewer)
        if (!row) throw notFoundError()
        return { reportBack: (await views(ctx, [row]))[0]!, replayed: true }
      }
      // The links as a read of the new report-back lists them: live items by receipt.
      return { reportBack: (await views(ctx, [{ ...created.row, feedbackIds }]))[0]!, replayed: false }
    },
  }
  return service
}
export type ReportBacksService = ReturnType<typeof createReportBacksService>
