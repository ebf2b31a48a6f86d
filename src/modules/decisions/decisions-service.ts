/** Decision records: what the agency decided in answer to feedback, its progress, and what it answers and where it was discussed. */
import { principalOf } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import type { Database, Queryable } from '../../db/client.ts'
import { invalidTransition, notFound, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import { createAgenciesRepository } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import { createAuditRepository } from '../audit/audit-repository.ts'
import { eventView, type EventView } from '../events/event-view.ts'
import { statusesBefore } from '../feedback/feedback-lifecycle.ts'
import { createFeedbackRepository } from '../feedback/feedback-repository.ts'
import { transitionActor, type FeedbackService } from '../feedback/feedback-service.ts'
import type { FeedbackViewer } from '../feedback/feedback-view.ts'
import { claimIdempotencyKey } from '../idempotency/idempotency.ts'
import { createOrganizationsRepository } from '../organizations/organizations-repository.ts'
import { decodeCursor, toPage, type Page } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { preconditionFailed, versionMatches, type VersionCondition } from '../shared/versions.ts'
import type { TopicsService } from '../topics/topics-service.ts'
import { decisionView, type DecisionView } from './decision-view.ts'
import { createDecisionsRepository, type DecisionItemRow, type DecisionRow } from './decisions-repository.ts'
import { decisionListQuery, progressUpdateInput, recordDecisionInput, updateDecisionInput } from './decisions-schemas.ts'
import { createDecisionEventsRepository } from './decision-events-repository.ts'

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
const asStaff = (agencyId: string): FeedbackViewer => ({ kind: 'staff', agencyId, organizationId: null })

export function createDecisionsService({ database, agencies, topics, feedback }: { database: Database; agencies: AgenciesService; topics: TopicsService; feedback: FeedbackService }) {
  const { db } = database
  const staffAgency = (ctx: RequestContext): Promise<AgencyRow> => agencies.managedBy(ctx, 'decisions')

  async function views(ctx: RequestContext, rows: DecisionRow[]): Promise<DecisionView[]> {
    const byId = await agencies.byIds(rows.map((r) => r.agencyId))
    return rows.map((r) => decisionView(r, byId.get(r.agencyId), ctx.languages))
  }

  /** Every link must name a record of the decision's agency. */
  async function checkLinks(tx: Queryable, agencyId: string, input: { feedbackIds?: string[]; eventIds?: string[]; organizationIds?: string[]; areaId?: string | null }) {
    const problems: { field: string; message: string }[] = []
    const check = async (field: string, ids: string[] | undefined, known: (ids: string[]) => Promise<string[]>, what: string) => {
      if (!ids?.length) return
      const found = new Set(await known(ids))
      ids.forEach((id, i) => found.has(id) || problems.push({ field: `${field}.${i}`, message: `is not ${what} of this agency` }))
    }
    await check('feedbackIds', input.feedbackIds, (ids) => createFeedbackRepository(tx).idsInAgency(agencyId, ids), 'a feedback item')
    await check('eventIds', input.eventIds, (ids) => createDecisionsRepository(tx).eventIdsInAgency(agencyId, ids), 'an event')
    await check('organizationIds', input.organizationIds, (ids) => createOrganizationsRepository(tx).idsInAgency(agencyId, ids), 'an organization')
    if (input.areaId && !(await createAgenciesRepository(tx).areaInAgency(input.areaId, agencyId))) problems.push({ field: 'areaId', message: 'is not an area of this agency' })
    if (problems.length) throw validationFailed(problems)
  }

  /** Feedback newly linked as answered by a decision moves to addressed where its lifecycle allows, with a history row each. */
  async function address(ctx: RequestContext, tx: Queryable, agencyId: string, decision: { id: string; title: Record<string, string> }, feedbackIds: string[]) {
    const at = ctx.clock.now()
    const moved = await createFeedbackRepository(tx).moveMany(agencyId, feedbackIds, statusesBefore('addressed'), 'addressed', at, at)
    const title = Object.values(decision.title)[0]
    await createFeedbackRepository(tx).insertTransitions(
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
    async list(ctx: RequestContext, rawQuery: unknown): Promise<Page<DecisionView>> {
      const query = parseInput(decisionListQuery, rawQuery)
      const { limit, cursor: rawCursor, agency: slug, ...filter } = query
      const order = query.updatedSince ? 'decisions:updated' : 'decisions:created'
      const cursor = rawCursor ? decodeCursor(rawCursor, order) : undefined
      const agencyId = await agencies.idForFilter(slug)
      if (agencyId === null) return { data: [], nextCursor: null }
      const rows = await createDecisionsRepository(db).list({ ...filter, agencyId }, await feedback.viewerOf(ctx), cursor, limit)
      const page = toPage(rows, limit, order, (r) => (query.updatedSince ? r.updatedAt : r.createdAt), (r) => r)
      return { data: await views(ctx, page.data), nextCursor: page.nextCursor }
    },

    async get(ctx: RequestContext, id: string): Promise<DecisionView> {
      if (!isUuid(id)) throw notFoundError()
      const row = await createDecisionsRepository(db).byId(id, await feedback.viewerOf(ctx))
      if (!row) throw notFoundError()
      return (await views(ctx, [row]))[0]!
    },

    async byIds(ctx: RequestContext, ids: Iterable<string>): Promise<Map<string, DecisionView>> {
      const unique = [...new Set(ids)].filter(isUuid)
      if (unique.length === 0) return new Map()
      const rows = await createDecisionsRepository(db).byIds(unique, await feedback.viewerOf(ctx))
      const list = await views(ctx, rows)
      return new Map(list.map((d) => [d.id, d]))
    },

    /** The decisions answering each feedback item of a batch: one statement. */
    async ofFeedback(ctx: RequestContext, feedbackIds: string[]): Promise<Map<string, DecisionView[]>> {
      const rows = await createDecisionsRepository(db).ofFeedback(feedbackIds, await feedback.viewerOf(ctx))
      const list = await views(ctx, rows)
      const out = new Map<string, DecisionView[]>(feedbackIds.map((id) => [id, []]))
      rows.forEach((r, i) => out.get(r.feedbackId)?.push(list[i]!))
      return out
    },

    /** The decisions discussed at each event of a batch: one statement. */
    async ofEvents(ctx: RequestContext, eventIds: string[]): Promise<Map<string, DecisionView[]>> {
      const rows = await createDecisionsRepository(db).ofEvents(eventIds, await feedback.viewerOf(ctx))
      const list = await views(ctx, rows)
      const out = new Map<string, DecisionView[]>(eventIds.map((id) => [id, []]))
      rows.forEach((r, i) => out.get(r.eventId)?.push(list[i]!))
      return out
    },

    /** The events where each decision of a batch was discussed, as the caller may see them. */
    async eventsOf(ctx: RequestContext, decisionsList: DecisionView[]): Promise<Map<string, EventView[]>> {
      const viewer = await feedback.viewerOf(ctx)
      const rows = await createDecisionEventsRepository(db).eventsOf(decisionsList.map((d) => d.id), viewer.kind === 'staff' ? viewer.agencyId : null)
      const [byId, coHosts] = await Promise.all([agencies.byIds(rows.map((r) => r.event.agencyId)), createOrganizationsRepository(db).coHostsOf(rows.map((r) => r.event.id))])
      const out = new Map<string, EventView[]>(decisionsList.map((d) => [d.id, []]))
      for (const { decisionId, event } of rows) out.get(decisionId)?.push(eventView(event, byId.get(event.agencyId), ctx.languages, coHosts.get(event.id) ?? []))
      return out
    },

    /** Events by id as the caller may see them (the event a feedback item or report-back names). */
    async eventsByIds(ctx: RequestContext, ids: Iterable<string>): Promise<Map<string, EventView>> {
      const unique = [...new Set(ids)].filter(isUuid)
      if (unique.length === 0) return new Map()
      const viewer = await feedback.viewerOf(ctx)
      const rows = await createDecisionEventsRepository(db).eventsByIds(unique, viewer.kind === 'staff' ? viewer.agencyId : null)
      const [byId, coHosts] = await Promise.all([agencies.byIds(rows.map((r) => r.agencyId)), createOrganizationsRepository(db).coHostsOf(rows.map((r) => r.id))])
      return new Map(rows.map((e) => [e.id, eventView(e, byId.get(e.agencyId), ctx.languages, coHosts.get(e.id) ?? [])]))
    },

    async record(ctx: RequestContext, rawInput: unknown, idempotencyKey?: string): Promise<{ decision: DecisionView; replayed: boolean }> {
      const agency = await staffAgency(ctx)
      const input = parseInput(recordDecisionInput, rawInput)
      let replayed = false
      const id = await db.transaction(async (tx) => {
        const claim = idempotencyKey ? await claimIdempotencyKey(tx, { principal: principalOf(ctx.actor), operation: 'decisions.record', key: idempotencyKey }, rawInput, ctx.clock.now()) : undefined
        if (claim?.replayOf) {
          replayed = true
          return claim.replayOf
        }
        await checkLinks(tx, agency.id, input)
        const repo = createDecisionsRepository(tx)
        const now = ctx.clock.now()
        const created = await repo.insert({
          agencyId: agency.id,
          title: input.title,
          summary: input.summary ?? {},
          rationale: input.rationale ?? {},
          decidedBy: input.decidedBy ?? null,
          decidedAt: input.decidedAt ?? null,
          status: input.status ?? 'proposed',
          publication: input.publication ?? 'draft',
          areaId: input.areaId ?? null,
          ...(await topicOf(tx, agency.id, input.topic)),
          createdAt: now,
          updatedAt: now,
        })
        await repo.setLinks(agency.id, created.id, input)
        const addressed = await address(ctx, tx, agency.id, created, input.feedbackIds ?? [])
        await claim?.complete(created.id, 201)
        await createAuditRepository(tx).record(ctx, { agencyId: agency.id, action: 'decision.recorded', entityType: 'decision', entityId: created.id, details: { status: created.status, feedbackAddressed: addressed } })
        return created.id
      })
      const row = await createDecisionsRepository(db).byId(id, asStaff(agency.id))
      if (!row) throw notFoundError()
      return { decision: (await views(ctx, [row]))[0]!, replayed }
    },

    async update(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<DecisionView> {
      const agency = await staffAgency(ctx)
      const input = parseInput(updateDecisionInput, rawInput)
      if (!isUuid(id)) throw notFoundError()
      await db.transaction(async (tx) => {
        const repo = createDecisionsRepository(tx)
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
        await createAuditRepository(tx).record(ctx, { agencyId: agency.id, action: 'decision.updated', entityType: 'decision', entityId: id, details: { fields: Object.keys(input), feedbackAddressed: addressed, version: updated.version } })
      })
      return service.get(ctx, id)
    },

    /** Records dated progress: the decision takes the update's status, and the update is appended to its history. */
    async addUpdate(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<DecisionView> {
      const agency = await staffAgency(ctx)
      const input = parseInput(progressUpdateInput, rawInput)
      if (!isUuid(id)) throw notFoundError()
      await db.transaction(async (tx) => {
        const repo = createDecisionsRepository(tx)
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
        await createAuditRepository(tx).record(ctx, { agencyId: agency.id, action: 'decision.progressed', entityType: 'decision', entityId: id, details: { fromStatus: current.status, toStatus: input.status, on: input.on } })
      })
      return service.get(ctx, id)
    },
  }
  return service
}
export type DecisionsService = ReturnType<typeof createDecisionsService>
