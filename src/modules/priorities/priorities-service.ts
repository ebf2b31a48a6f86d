/** Shared priorities identified with the community: proposals, moderation, endorsements, a guarded status and links to the loop. */
import type { RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import { AppError, invalidTransition, notFound, validationFailed, type FieldError } from '../../errors.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { FeedbackService } from '../feedback/feedback-service.ts'
import type { FeedbackViewer } from '../feedback/feedback-view.ts'
import type { Repositories } from '../repositories.ts'
import { noRows, totalWhen, type CountedPage, type Page } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { preconditionFailed, versionMatches, type VersionCondition } from '../shared/versions.ts'
import type { Writes } from '../writes.ts'
import { decodePriorityCursor, encodePriorityCursor } from './priority-cursor.ts'
import type { LinkLists, PriorityItemRow, PriorityRow } from './priorities-repository.ts'
import { endorsePriorityInput, priorityListQuery, priorityStatusInput, proposePriorityInput, updatePriorityInput } from './priorities-schemas.ts'
import { priorityView, type PriorityView } from './priority-view.ts'

type Status = PriorityItemRow['status']

/** proposed → adopted → in_progress → done, or declined (with a published reason) before it is done. Done and declined are final. */
export const nextPriorityStatuses: Record<Status, Status[]> = {
  proposed: ['adopted', 'declined'],
  adopted: ['in_progress', 'done', 'declined'],
  in_progress: ['done', 'declined'],
  done: [],
  declined: [],
}

const notFoundError = () => notFound('PRIORITY_NOT_FOUND', 'The priority')
const asStaff = (agencyId: string): FeedbackViewer => ({ kind: 'staff', agencyId, organizationId: null })

/** Which linked ids are not records of the agency, as field errors. */
function linkProblems(input: LinkLists, found: { feedback: string[]; decisions: string[]; reportBacks: string[] }): FieldError[] {
  const problems: FieldError[] = []
  const check = (field: string, ids: string[] | undefined, known: string[], what: string) => {
    const set = new Set(known)
    ids?.forEach((id, i) => set.has(id) || problems.push({ field: `${field}.${i}`, message: `is not ${what} of this agency` }))
  }
  check('feedbackIds', input.feedbackIds, found.feedback, 'a feedback item')
  check('decisionIds', input.decisionIds, found.decisions, 'a decision')
  check('reportBackIds', input.reportBackIds, found.reportBacks, 'a report-back')
  return problems
}

function vocabularyProblems(input: { areaIds?: string[]; topics?: string[] }, found: { areas: string[]; topics: string[] }): FieldError[] {
  const problems: FieldError[] = []
  const areas = new Set(found.areas)
  const topics = new Set(found.topics)
  input.areaIds?.forEach((id, i) => areas.has(id) || problems.push({ field: `areaIds.${i}`, message: 'is not an area of this agency' }))
  input.topics?.forEach((code, i) => topics.has(code) || problems.push({ field: `topics.${i}`, message: "is not a topic of this agency's vocabulary" }))
  return problems
}

export function createPrioritiesService({ database, repositories, writes, agencies, feedback }: { database: Database; repositories: Repositories; writes: Writes; agencies: AgenciesService; feedback: FeedbackService }) {
  const { db } = database
  const staffAgency = (ctx: RequestContext): Promise<AgencyRow> => agencies.managedBy(ctx, 'priorities')

  async function views(ctx: RequestContext, rows: PriorityRow[]): Promise<PriorityView[]> {
    const byId = await agencies.byIds(rows.map((r) => r.agencyId))
    return rows.map((r) => priorityView(r, byId.get(r.agencyId), ctx.languages))
  }

  async function load(ctx: RequestContext, id: string, viewer?: FeedbackViewer): Promise<PriorityView> {
    const row = await repositories.priorities.byId(id, viewer ?? (await feedback.viewerOf(ctx)))
    if (!row) throw notFoundError()
    return (await views(ctx, [row]))[0]!
  }

  /** The agency a proposal is for, who proposes it, and whether it waits for moderation. */
  async function proposer(ctx: RequestContext, agencySlug: string | undefined) {
    const actor = ctx.actor
    if (actor.kind === 'analyst') throw new AppError('FORBIDDEN', 'Analysts read priorities; they do not propose them')
    if (actor.kind === 'partner' && !actor.organizationId) throw new AppError('FORBIDDEN', 'This partner token names no organization')
    if (actor.kind === 'public') {
      if (!agencySlug) throw validationFailed([{ field: 'agency', message: 'is required: the slug of the agency the priority is for' }])
      const agency = await agencies.bySlug(agencySlug)
      if (!agency) throw validationFailed([{ field: 'agency', message: 'is not an agency this server hosts' }])
      return { agency, proposedBy: 'public' as const, organizationId: null, moderation: 'pending_moderation' as const, staff: false }
    }
    const agency = await agencies.ofActor(ctx)
    if (agencySlug && agencySlug !== agency.slug) throw validationFailed([{ field: 'agency', message: 'must be your own agency' }])
    if (actor.kind === 'partner') return { agency, proposedBy: 'partner' as const, organizationId: actor.organizationId!, moderation: 'published' as const, staff: false }
    return { agency, proposedBy: 'staff' as const, organizationId: null, moderation: 'published' as const, staff: true }
  }

  const service = {
    async list(ctx: RequestContext, rawQuery: unknown): Promise<CountedPage<PriorityView>> {
      const { limit, cursor: rawCursor, agency: slug, sort, count, ...filter } = parseInput(priorityListQuery, rawQuery)
      const cursor = rawCursor ? decodePriorityCursor(rawCursor, sort) : undefined
      const agencyId = await agencies.idForFilter(slug)
      if (agencyId === null) return { data: [], nextCursor: null, ...(count ? noRows : {}) }
      const viewer = await feedback.viewerOf(ctx)
      const [rows, total] = await Promise.all([
        repositories.priorities.list({ ...filter, agencyId }, viewer, sort, cursor, limit),
        totalWhen(count, () => repositories.priorities.count({ ...filter, agencyId }, viewer, repositories.totalCountCap)),
      ])
      const more = rows.length > limit
      const page = more ? rows.slice(0, limit) : rows
      const last = page.at(-1)
      return { data: await views(ctx, page), nextCursor: more && last ? encodePriorityCursor(sort, last) : null, ...total }
    },

    async get(ctx: RequestContext, id: string): Promise<PriorityView> {
      if (!isUuid(id)) throw notFoundError()
      return load(ctx, id)
    },

    /** Proposes a priority: checks in one read, then the priority, its links, audit and outbox entries in one write. */
    async propose(ctx: RequestContext, rawInput: unknown, idempotencyKey?: string): Promise<{ priority: PriorityView; replayed: boolean }> {
      const input = parseInput(proposePriorityInput, rawInput)
      const links: LinkLists = { feedbackIds: input.feedbackIds, decisionIds: input.decisionIds, reportBackIds: input.reportBackIds }
      const who = await proposer(ctx, input.agency)
      const linked = Boolean(input.feedbackIds?.length || input.decisionIds?.length || input.reportBackIds?.length)
      if (linked && !who.staff) throw new AppError('FORBIDDEN', 'Only agency staff link feedback, decisions and report-backs to a priority')
      const { agency } = who
      const created = await writes.create(ctx, {
        operation: 'priorities.propose',
        entityType: 'priority',
        idempotencyKey,
        body: rawInput,
        checks: {
          areas: input.areaIds?.length ? repositories.agencies.areasInAgencyCheck(agency.id, input.areaIds) : undefined,
          topics: input.topics?.length ? repositories.priorities.topicsCheck(agency.id, input.topics) : undefined,
          links: linked ? repositories.priorities.linksCheck(agency.id, links) : undefined,
        },
        plan: (found, id) => {
          const problems = [
            ...vocabularyProblems(input, { areas: (found.areas ?? []).map((a) => a.id), topics: (found.topics ?? []).map((t) => t.code) }),
            ...(found.links ? linkProblems(links, found.links) : []),
          ]
          if (problems.length) throw validationFailed(problems)
          const now = ctx.clock.now()
          return {
            row: repositories.priorities.planInsert({
              id,
              agencyId: agency.id,
              statement: input.statement,
              areaIds: input.areaIds ?? [],
              topics: input.topics ?? [],
              proposedBy: who.proposedBy,
              organizationId: who.organizationId,
              moderation: who.moderation,
              createdAt: now,
              updatedAt: now,
            }),
            alongside: repositories.priorities.planLinks(agency.id, id, links),
            audit: { agencyId: agency.id, action: 'priority.proposed', details: { proposedBy: who.proposedBy, moderation: who.moderation } },
            outbox: { visibility: who.moderation === 'published' ? 'public' : 'agency', payload: { id, version: 1 } },
          }
        },
      })
      const id = created.replayOf ?? created.row.id
      return { priority: await load(ctx, id, asStaff(agency.id)), replayed: created.replayOf !== undefined }
    },

    /** Staff change the statement, areas, topics, moderation and links (link lists replace the links). */
    async update(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<PriorityView> {
      const agency = await staffAgency(ctx)
      const input = parseInput(updatePriorityInput, rawInput)
      if (!isUuid(id)) throw notFoundError()
      await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const current = await repos.priorities.forUpdate(agency.id, id)
        if (!current) throw notFoundError()
        if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
        const { feedbackIds, decisionIds, reportBackIds, ...fields } = input
        const links = { feedbackIds, decisionIds, reportBackIds }
        const areas = input.areaIds?.length ? await Promise.all(input.areaIds.map((a) => repos.agencies.areaInAgency(a, agency.id))) : []
        const problems = [
          ...vocabularyProblems(input, { areas: areas.flatMap((a) => (a ? [a.id] : [])), topics: await repos.priorities.topicsIn(agency.id, input.topics ?? []) }),
          ...linkProblems(links, await repos.priorities.linksIn(agency.id, links)),
        ]
        if (problems.length) throw validationFailed(problems)
        const updated = await repos.priorities.update(id, { ...fields, updatedAt: ctx.clock.now() })
        await repos.priorities.setLinks(agency.id, id, links)
        await repos.audit.record(ctx, { agencyId: agency.id, action: 'priority.updated', entityType: 'priority', entityId: id, details: { fields: Object.keys(input), version: updated.version } })
        // Public when it was or is published: a mirror of public priorities must learn one was withheld (ids only go out).
        const seen = current.moderation === 'published' || updated.moderation === 'published'
        await repos.outbox.append(ctx, { agencyId: agency.id, entityType: 'priority', entityId: id, action: 'priority.updated', visibility: seen ? 'public' : 'agency', payload: { id, version: updated.version } })
      })
      return load(ctx, id, asStaff(agency.id))
    },

    /** Moves a priority along its guarded status; declining publishes the reason with it. */
    async changeStatus(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<PriorityView> {
      const agency = await staffAgency(ctx)
      const input = parseInput(priorityStatusInput, rawInput)
      if (!isUuid(id)) throw notFoundError()
      await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const current = await repos.priorities.forUpdate(agency.id, id)
        if (!current) throw notFoundError()
        if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
        const allowed = nextPriorityStatuses[current.status]
        if (!allowed.includes(input.status))
          throw invalidTransition(`A ${current.status} priority cannot become ${input.status}; allowed: ${allowed.length ? allowed.join(', ') : 'none (it is final)'}`)
        const updated = await repos.priorities.update(id, { status: input.status, statusReason: input.reason ?? {}, updatedAt: ctx.clock.now() })
        await repos.audit.record(ctx, { agencyId: agency.id, action: 'priority.status_changed', entityType: 'priority', entityId: id, details: { fromStatus: current.status, toStatus: input.status } })
        await repos.outbox.append(ctx, {
          agencyId: agency.id,
          entityType: 'priority',
          entityId: id,
          action: 'priority.status_changed',
          visibility: updated.moderation === 'published' ? 'public' : 'agency',
          payload: { id, version: updated.version, status: input.status },
        })
      })
      return load(ctx, id, asStaff(agency.id))
    },

    /**
     * An endorsement: a partner's (its organization's, named) or one staff record for an organization, or the public's,
     * which is counted and nothing else (no address, token or time of it is stored). Only published priorities take them.
     */
    async endorse(ctx: RequestContext, id: string, rawInput: unknown): Promise<PriorityView> {
      const input = parseInput(endorsePriorityInput, rawInput ?? {})
      const actor = ctx.actor
      if (actor.kind === 'analyst') throw new AppError('FORBIDDEN', 'Analysts read priorities; they do not endorse them')
      if (actor.kind === 'public' && (input.organizationId || input.note)) throw validationFailed([{ field: input.organizationId ? 'organizationId' : 'note', message: 'is given only by a signed-in partner or staff member; a public endorsement is anonymous' }])
      if (actor.kind === 'partner' && !actor.organizationId) throw new AppError('FORBIDDEN', 'This partner token names no organization')
      if (actor.kind === 'partner' && input.organizationId && input.organizationId !== actor.organizationId) throw validationFailed([{ field: 'organizationId', message: 'is set from your token' }])
      if ((actor.kind === 'staff' || actor.kind === 'admin') && !input.organizationId) throw validationFailed([{ field: 'organizationId', message: 'names the organization whose endorsement staff record' }])
      if (!isUuid(id)) throw notFoundError()
      const ownAgency = actor.kind === 'public' ? undefined : await agencies.ofActor(ctx)
      const organizationId = actor.kind === 'partner' ? actor.organizationId! : (input.organizationId ?? null)
      await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const current = await repos.priorities.lockLive(id)
        // Another agency's priority, or one not published, is not there for this caller.
        if (!current || current.moderation !== 'published' || (ownAgency && current.agencyId !== ownAgency.id)) throw notFoundError()
        if (current.status === 'done' || current.status === 'declined') throw invalidTransition(`A ${current.status} priority takes no more endorsements`)
        const at = ctx.clock.now()
        if (organizationId) {
          if (!(await repos.organizations.idsInAgency(current.agencyId, [organizationId])).length) throw validationFailed([{ field: 'organizationId', message: 'is not an organization of this agency' }])
          const added = await repos.priorities.addEndorsement({ priorityId: id, organizationId, agencyId: current.agencyId, note: input.note ?? {}, endorsedAt: at })
          if (!added) throw new AppError('ALREADY_ENDORSED', 'The organization already endorses this priority')
        }
        const updated = await repos.priorities.countEndorsement(id, organizationId === null, at)
        await repos.audit.record(ctx, { agencyId: current.agencyId, action: 'priority.endorsed', entityType: 'priority', entityId: id, details: { anonymous: organizationId === null } })
        await repos.outbox.append(ctx, { agencyId: current.agencyId, entityType: 'priority', entityId: id, action: 'priority.endorsed', visibility: 'public', payload: { id, version: updated.version, anonymous: organizationId === null } })
      })
      return load(ctx, id)
    },

    /** Priorities by id as the caller may see them, newest first (the follow-up's): one statement. */
    async byIds(ctx: RequestContext, ids: string[]): Promise<PriorityView[]> {
      const unique = [...new Set(ids)].filter(isUuid)
      return views(ctx, await repositories.priorities.byIds(unique, await feedback.viewerOf(ctx)))
    },
  }
  return service
}
export type PrioritiesService = ReturnType<typeof createPrioritiesService>
