/** Decision records: what the agency decided in answer to feedback, its progress, and what it answers and where it was discussed. */
import type { RequestContext } from '../../context.ts'
import type { Database, Queryable } from '../../db/client.ts'
import { invalidTransition, notFound, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import { eventView, type EventView } from '../events/event-view.ts'
import { statusesBefore } from '../feedback/feedback-lifecycle.ts'
import { transitionActor, type FeedbackService } from '../feedback/feedback-service.ts'
import type { FeedbackViewer } from '../feedback/feedback-view.ts'
import type { Repositories } from '../repositories.ts'
import { decodeCursor, noRows, toPage, totalWhen, type CountedPage, type Page } from '../shared/pagination.ts'
import type { Writes } from '../writes.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { preconditionFailed, versionMatches, type VersionCondition } from '../shared/versions.ts'
import type { TopicsService } from '../topics/topics-service.ts'
import { decisionView, type DecisionView } from './decision-view.ts'
import type { DecisionItemRow, DecisionRow } from './decisions-repository.ts'
import { decisionListQuery, progressUpdateInput, recordDecisionInput, updateDecisionInput } from './decisions-schemas.ts'

type Status = DecisionItemRow['status']

/** Which status a progress update may move a decision to. Implemented and rejected are final; an update may repeat the status (a progress note). */
const nextStatuses: Record<Status, Status[]> = {
  proposed: ['proposed', 'adopted', 'in_progress', 'rejected', 'deferred'],
  adopted: ['adopted', 'in_progress', 'implemented', 'rejected', 'deferred'],
  in_progress: ['in_progress', 'implemented', 'deferred'],
  deferred: ['deferred', 'proposed', 'adopted', 'in_progress', 'rejected'],
  implemented: [],
  rejected: [],
}

const notFoundError = () => notFound('DECISION_NOT_FOUND', 'The decision')
type Links = { feedbackIds?: string[]; eventIds?: string[]; organizationIds?: string[]; areaId?: string | null }
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
/** The title's first translation as jsonb orders keys (shorter first, then bytewise), as the decision read back would give it. */
const firstTitle = (title: Record<string, string>) => title[Object.keys(title).sort((a, b) => a.length - b.length || compare(a, b))[0]!]
const asStaff = (agencyId: string): FeedbackViewer => ({ kind: 'staff', agencyId, organizationId: null })

export function createDecisionsService({ database, repositories, writes, agencies, topics, feedback }: { database: Database; repositories: Repositories; writes: Writes; agencies: AgenciesService; topics: TopicsService; feedback: FeedbackService }) {
  const { db } = database
  const staffAgency = (ctx: RequestContext): Promise<AgencyRow> => agencies.managedBy(ctx, 'decisions')

  async function views(ctx: RequestContext, rows: DecisionRow[]): Promise<DecisionView[]> {
    const byId = await agencies.byIds(rows.map((r) => r.agencyId))
    return rows.map((r) => decisionView(r, byId.get(r.agencyId), ctx.languages))
  }

  /** Every link must name a record of the decision's agency. */
  async function checkLinks(tx: Queryable, agencyId: string, input: Links) {
    const repos = repositories.on(tx)
    const known = (ids: string[] | undefined, find: (ids: string[]) => Promise<string[]>) => (ids?.length ? find(ids) : Promise.resolve(undefined))
    linkProblems(input, {
      feedback: await known(input.feedbackIds, (ids) => repos.feedback.idsInAgency(agencyId, ids)),
      events: await known(input.eventIds, (ids) => repos.decisions.eventIdsInAgency(agencyId, ids)),
      organizations: await known(input.organizationIds, (ids) => repos.organizations.idsInAgency(agencyId, ids)),
      area: input.areaId ? Boolean(await repos.agencies.areaInAgency(input.areaId, agencyId)) : undefined,
    })
  }

  /** The rule of checkLinks on what was found: which ids of each kind are the agency's, whether the area is. */
  function linkProblems(input: Links, found: { feedback?: string[]; events?: string[]; organizations?: string[]; area?: boolean }) {
    const problems: { field: string; message: string }[] = []
    const check = (field: string, ids: string[] | undefined, known: string[] | undefined, what: string) => {
      if (!ids?.length) return
      const set = new Set(known)
      ids.forEach((id, i) => set.has(id) || problems.push({ field: `${field}.${i}`, message: `is not ${what} of this agency` }))
    }
    check('feedbackIds', input.feedbackIds, found.feedback, 'a feedback item')
    check('eventIds', input.eventIds, found.events, 'an event')
    check('organizationIds', input.organizationIds, found.organizations, 'an organization')
    if (found.area === false) problems.push({ field: 'areaId', message: 'is not an area of this agency' })
    if (problems.length) throw validationFailed(problems)
  }

  /** Feedback newly linked as answered by a decision moves to addressed where its lifecycle allows, with a history row each. */
  async function address(ctx: RequestContext, tx: Queryable, agencyId: string, decision: { id: string; title: Record<string, string> }, feedbackIds: string[]) {
    const at = ctx.clock.now()
    const moved = await repositories.on(tx).feedback.moveMany(agencyId, feedbackIds, statusesBefore('addressed'), 'addressed', at, at)
    await repositories.on(tx).outbox.append(
      ctx,
      moved.map((m) => ({ agencyId, entityType: 'feedback', entityId: m.id, action: 'feedback.status_changed', visibility: m.visibility === 'published' ? 'public' : 'agency', payload: { id: m.id, version: m.version } })),
    )
    const title = Object.values(decision.title)[0]
    await repositories.on(tx).feedback.insertTransitions(
      moved.map((m) => ({ agencyId, feedbackId: m.id, fromStatus: m.from, toStatus: 'addressed' as const, at, note: `Addressed by decision "${title}" (${decision.id})`, ...transitionActor(ctx) })),
    )
    return moved.length
  }

  async function topicOf(tx: Queryable, agencyId: string, code: string | null | undefined) {
    if (code === undefined) return {}
    if (code === null) return { topicId: null }
    return { topicId: (await topics.forClassification(tx, agencyId, code)).topic.id }
  }

  const service = {
    async list(ctx: RequestContext, rawQuery: unknown): Promise<CountedPage<DecisionView>> {
      const query = parseInput(decisionListQuery, rawQuery)
      const { limit, cursor: rawCursor, agency: slug, count, ...filter } = query
      const order = query.updatedSince ? 'decisions:updated' : 'decisions:created'
      const cursor = rawCursor ? decodeCursor(rawCursor, order) : undefined
      const agencyId = await agencies.idForFilter(slug)
      if (agencyId === null) return { data: [], nextCursor: null, ...(count ? noRows : {}) }
      const viewer = await feedback.viewerOf(ctx)
      const [rows, total] = await Promise.all([
        repositories.decisions.list({ ...filter, agencyId }, viewer, cursor, limit),
        totalWhen(count, () => repositories.decisions.count({ ...filter, agencyId }, viewer, repositories.totalCountCap)),
      ])
      const page = toPage(rows, limit, order, (r) => (query.updatedSince ? r.updatedAt : r.createdAt), (r) => r)
      return { data: await views(ctx, page.data), nextCursor: page.nextCursor, ...total }
    },

    async get(ctx: RequestContext, id: string): Promise<DecisionView> {
      if (!isUuid(id)) throw notFoundError()
      const row = await repositories.decisions.byId(id, await feedback.viewerOf(ctx))
      if (!row) throw notFoundError()
      return (await views(ctx, [row]))[0]!
    },

    async byIds(ctx: RequestContext, ids: Iterable<string>): Promise<Map<string, DecisionView>> {
      const unique = [...new Set(ids)].filter(isUuid)
      if (unique.length === 0) return new Map()
      const rows = await repositories.decisions.byIds(unique, await feedback.viewerOf(ctx))
      const list = await views(ctx, rows)
      return new Map(list.map((d) => [d.id, d]))
    },

    /** The decisions answering each feedback item of a batch: one statement. */
    async ofFeedback(ctx: RequestContext, feedbackIds: string[]): Promise<Map<string, DecisionView[]>> {
      const rows = await repositories.decisions.ofFeedback(feedbackIds, await feedback.viewerOf(ctx))
      const list = await views(ctx, rows)
      const out = new Map<string, DecisionView[]>(feedbackIds.map((id) => [id, []]))
      rows.forEach((r, i) => out.get(r.feedbackId)?.push(list[i]!))
      return out
    },

    /** The decisions discussed at each event of a batch: one statement. */
    async ofEvents(ctx: RequestContext, eventIds: string[]): Promise<Map<string, DecisionView[]>> {
      const rows = await repositories.decisions.ofEvents(eventIds, await feedback.viewerOf(ctx))
      const list = await views(ctx, rows)
      const out = new Map<string, DecisionView[]>(eventIds.map((id) => [id, []]))
      rows.forEach((r, i) => out.get(r.eventId)?.push(list[i]!))
      return out
    },

    /** The events where each decision of a batch was discussed, as the caller may see them. */
    async eventsOf(ctx: RequestContext, decisionsList: DecisionView[]): Promise<Map<string, EventView[]>> {
      const viewer = await feedback.viewerOf(ctx)
      const rows = await repositories.decisionEvents.eventsOf(decisionsList.map((d) => d.id), viewer.kind === 'staff' ? viewer.agencyId : null)
      const [byId, coHosts] = await Promise.all([agencies.byIds(rows.map((r) => r.event.agencyId)), repositories.organizations.coHostsOf(rows.map((r) => r.event.id))])
      const out = new Map<string, EventView[]>(decisionsList.map((d) => [d.id, []]))
      for (const { decisionId, event } of rows) out.get(decisionId)?.push(eventView(event, byId.get(event.agencyId), ctx.languages, coHosts.get(event.id) ?? []))
      return out
    },

    /** Events by id as the caller may see them (the event a feedback item or report-back names). */
    async eventsByIds(ctx: RequestContext, ids: Iterable<string>): Promise<Map<string, EventView>> {
      const unique = [...new Set(ids)].filter(isUuid)
      if (unique.length === 0) return new Map()
      const viewer = await feedback.viewerOf(ctx)
      const rows = await repositories.decisionEvents.eventsByIds(unique, viewer.kind === 'staff' ? viewer.agencyId : null)
      const [byId, coHosts] = await Promise.all([agencies.byIds(rows.map((r) => r.agencyId)), repositories.organizations.coHostsOf(rows.map((r) => r.id))])
      return new Map(rows.map((e) => [e.id, eventView(e, byId.get(e.agencyId), ctx.languages, coHosts.get(e.id) ?? [])]))
    },

    /**
     * Records a decision in at most two statements (see src/modules/writes.ts): every link, the area and the topic checked
     * in one read; the decision, its links, the feedback it answers moved to addressed with their history, the audit and
     * outbox entries in one write.
     */
    async record(ctx: RequestContext, rawInput: unknown, idempotencyKey?: string): Promise<{ decision: DecisionView; replayed: boolean }> {
      const agency = await staffAgency(ctx)
      const input = parseInput(recordDecisionInput, rawInput)
      const { feedbackIds = [], eventIds = [], organizationIds = [] } = input
      let links: Pick<DecisionRow, 'feedbackIds' | 'eventIds' | 'organizationIds' | 'topicCode'> | undefined
      const created = await writes.create(ctx, {
        operation: 'decisions.record',
        entityType: 'decision',
        idempotencyKey,
        body: rawInput,
        checks: {
          feedback: feedbackIds.length ? repositories.feedback.inAgencyCheck(agency.id, feedbackIds) : undefined,
          events: eventIds.length ? repositories.decisions.eventsInAgencyCheck(agency.id, eventIds) : undefined,
          organizations: organizationIds.length ? repositories.organizations.idsInAgencyCheck(agency.id, organizationIds) : undefined,
          area: input.areaId ? repositories.agencies.areaInAgencyCheck(input.areaId, agency.id) : undefined,
          topic: input.topic ? topics.classificationCheck(agency.id, input.topic) : undefined,
        },
        plan: (found, id) => {
          linkProblems(input, { feedback: found.feedback?.map((f) => f.id), events: found.events?.map((e) => e.id), organizations: found.organizations?.map((o) => o.id), area: found.area })
          const topic = found.topic ? topics.classified(found.topic).topic : undefined
          const now = ctx.clock.now()
          const status = input.status ?? 'proposed'
          const publication = input.publication ?? 'draft'
          const moved = repositories.feedback.planMoveMany(agency.id, feedbackIds, statusesBefore('addressed'), 'addressed', now, now)
          // The links as a read of the new decision would list them: feedback by receipt, events by start, organizations by id.
          links = {
            topicCode: topic?.code ?? null,
            feedbackIds: [...(found.feedback ?? [])].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || compare(a.id, b.id)).map((f) => f.id),
            eventIds: [...(found.events ?? [])].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || compare(a.id, b.id)).map((e) => e.id),
            organizationIds: [...organizationIds].sort(compare),
          }
          return {
            row: repositories.decisions.planInsert({
              id,
              agencyId: agency.id,
              title: input.title,
              summary: input.summary ?? {},
              rationale: input.rationale ?? {},
              decidedBy: input.decidedBy ?? null,
              decidedAt: input.decidedAt ?? null,
              status,
              publication,
              areaId: input.areaId ?? null,
              ...(input.topic === undefined ? {} : { topicId: topic?.id ?? null }),
              createdAt: now,
              updatedAt: now,
            }),
            alongside: [
              ...repositories.decisions.planLinks(agency.id, id, input),
              moved,
              repositories.feedback.planTransitionsOf(moved, { agencyId: agency.id, toStatus: 'addressed', at: now, note: `Addressed by decision "${firstTitle(input.title)}" (${id})`, ...transitionActor(ctx) }),
              repositories.outbox.planAppendMoved(ctx, moved, agency.id, 'feedback.status_changed'),
            ],
            audit: { agencyId: agency.id, action: 'decision.recorded', details: { status, feedbackAddressed: writes.countOf(moved) } },
            outbox: { visibility: publication === 'published' ? 'public' : 'agency', payload: { id, version: 1 } },
          }
        },
      })
      if (created.replayOf !== undefined) {
        const row = await repositories.decisions.byId(created.replayOf, asStaff(agency.id))
        if (!row) throw notFoundError()
        return { decision: (await views(ctx, [row]))[0]!, replayed: true }
      }
      return { decision: (await views(ctx, [{ ...created.row, ...links!, updates: [] }]))[0]!, replayed: false }
    },

    async update(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<DecisionView> {
      const agency = await staffAgency(ctx)
      const input = parseInput(updateDecisionInput, rawInput)
      if (!isUuid(id)) throw notFoundError()
      await db.transaction(async (tx) => {
        const repo = repositories.on(tx).decisions
        const current = await repo.byId(id, asStaff(agency.id))
        if (!current || current.agencyId !== agency.id) throw notFoundError()
        if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
        await checkLinks(tx, agency.id, input)
        const { feedbackIds, eventIds, organizationIds, topic, summary, rationale, ...rest } = input
        const updated = await repo.updateVersioned(agency.id, id, current.version, {
          ...rest,
          ...(summary !== undefined ? { summary: summary ?? {} } : {}),
          ...(rationale !== undefined ? { rationale: rationale ?? {} } : {}),
          ...(await topicOf(tx, agency.id, topic)),
          updatedAt: ctx.clock.now(),
        })
        if (!updated) throw preconditionFailed()
        const before = feedbackIds ? new Set(await repo.linkedFeedback(id)) : new Set<string>()
        await repo.setLinks(agency.id, id, { feedbackIds, eventIds, organizationIds })
        const addressed = await address(ctx, tx, agency.id, updated, (feedbackIds ?? []).filter((f) => !before.has(f)))
        await repositories.on(tx).audit.record(ctx, { agencyId: agency.id, action: 'decision.updated', entityType: 'decision', entityId: id, details: { fields: Object.keys(input), feedbackAddressed: addressed, version: updated.version } })
        // Publishing and retracting are updates of `publication`; the feed names them, and who may see the decision after.
        const published = updated.publication === 'published'
        const action = published === (current.publication === 'published') ? 'decision.updated' : published ? 'decision.published' : 'decision.retracted'
        await repositories.on(tx).outbox.append(ctx, { agencyId: agency.id, entityType: 'decision', entityId: id, action, visibility: published ? 'public' : 'agency', payload: { id, version: updated.version } })
      })
      return service.get(ctx, id)
    },

    /** Records dated progress: the decision takes the update's status, and the update is appended to its history. */
    async addUpdate(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<DecisionView> {
      const agency = await staffAgency(ctx)
      const input = parseInput(progressUpdateInput, rawInput)
      if (!isUuid(id)) throw notFoundError()
      await db.transaction(async (tx) => {
        const repo = repositories.on(tx).decisions
        const current = await repo.byId(id, asStaff(agency.id))
        if (!current || current.agencyId !== agency.id) throw notFoundError()
        if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
        const allowed = nextStatuses[current.status]
        if (!allowed.includes(input.status))
          throw invalidTransition(`A ${current.status} decision cannot become ${input.status}; allowed: ${allowed.length ? allowed.join(', ') : 'none (it is final)'}`)
        const now = ctx.clock.now()
        const updated = await repo.updateVersioned(agency.id, id, current.version, { status: input.status, updatedAt: now })
        if (!updated) throw preconditionFailed()
        await repo.insertUpdate({ agencyId: agency.id, decisionId: id, on: input.on, status: input.status, note: input.note ?? {}, createdAt: now })
        await repositories.on(tx).audit.record(ctx, { agencyId: agency.id, action: 'decision.progressed', entityType: 'decision', entityId: id, details: { fromStatus: current.status, toStatus: input.status, on: input.on } })
        await repositories.on(tx).outbox.append(ctx, { agencyId: agency.id, entityType: 'decision', entityId: id, action: 'decision.progressed', visibility: updated.publication === 'published' ? 'public' : 'agency', payload: { id, version: updated.version } })
      })
      return service.get(ctx, id)
    },
  }
  return service
}
export type DecisionsService = ReturnType<typeof createDecisionsService>
