/** Engagement events: schedule, change and close meetings, and list them for calendars and sync. */
import { canManage, type Actor } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import type { Database, Queryable } from '../../db/client.ts'
import { AppError, invalidTransition, notFound, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { Repositories } from '../repositories.ts'
import { createHash } from 'node:crypto'
import { decodeCursor, encodeCursor, noRows, toPage, totalWhen, type CountedPage, type Page } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { preconditionFailed, versionMatches, type VersionCondition } from '../shared/versions.ts'
import { contentColumns } from './event-columns.ts'
import { eventView, type EventView } from './event-view.ts'
import type { EventFilter, EventRow, EventVisibility } from './events-repository.ts'
import type { Writes } from '../writes.ts'
import { eventTopicProblem } from '../topics/topics-service.ts'
import { eventListQuery, formatProblems, type NearPoint, reasonInput, rescheduleInput, scheduleEventInput, updateEventInput } from './events-schemas.ts'

type Status = EventRow['status']

/** A near-me cursor names its search (a hash of point and radius): a cursor from another search is refused. */
const nearOrderOf = (near: NearPoint, radius: number | undefined) =>
  `events:near:${createHash('sha256').update(`${near.latitude},${near.longitude},${radius ?? ''}`).digest('base64url').slice(0, 16)}`

/** What each command is recorded as in the audit trail. */
const pastTense = { update: 'updated', publish: 'published', reschedule: 'rescheduled', postpone: 'postponed', cancel: 'cancelled', complete: 'completed' } as const
type Command = keyof typeof pastTense

/** What a partner organization may do to the events it co-hosts; publishing, completing and scheduling stay with staff. */
const partnerCommands: readonly Command[] = ['update', 'reschedule', 'postpone', 'cancel']

/** Who may run a command on an event: staff of its agency, or a partner that co-hosts it. */
type Editor = { agency: AgencyRow; organizationId: string | null }

/** Which command may move an event from which status. Cancelled and completed are final. */
const transitions: Record<Exclude<Command, 'update'>, Status[]> = {
  publish: ['draft'],
  reschedule: ['draft', 'scheduled', 'postponed'],
  postpone: ['scheduled'],
  cancel: ['draft', 'scheduled', 'postponed'],
  complete: ['scheduled'],
}

export type WriteResult = { event: EventView; replayed: boolean }

export function createEventsService({ database, repositories, writes, agencies }: { database: Database; repositories: Repositories; writes: Writes; agencies: AgenciesService }) {
  const { db } = database

  async function visibilityFor(ctx: RequestContext): Promise<EventVisibility> {
    if (canManage(ctx.actor)) return { draftsOfAgencyId: (await agencies.ofActor(ctx)).id }
    // A partner prepares the events it co-hosts with the agency, drafts included.
    return ctx.actor.kind === 'partner' ? { draftsCoHostedBy: ctx.actor.organizationId } : {}
  }

  /** Views of a page of events: their agencies (cached) and co-hosts (one query for the page). */
  async function views(ctx: RequestContext, rows: EventRow[], tx: Queryable = db): Promise<EventView[]> {
    const [byId, coHosts] = await Promise.all([agencies.byIds(rows.map((r) => r.agencyId)), repositories.on(tx).organizations.coHostsOf(rows.map((r) => r.id))])
    return rows.map((r) => eventView(r, byId.get(r.agencyId), ctx.languages, coHosts.get(r.id) ?? []))
  }

  /** The acting staff member's agency; other callers may read but not change events. */
  const managerAgency = (ctx: RequestContext): Promise<AgencyRow> => agencies.managedBy(ctx, 'events')

  /** Staff of the agency run every command; a partner runs the commands partners may, on events it co-hosts (checked per event). */
  async function editorOf(ctx: RequestContext, action: Command): Promise<Editor> {
    const actor: Actor = ctx.actor
    if (actor.kind === 'partner' && actor.organizationId && partnerCommands.includes(action))
      return { agency: await agencies.ofActor(ctx), organizationId: actor.organizationId }
    return { agency: await managerAgency(ctx), organizationId: null }
  }

  /** Every co-host must be an organization of the event's agency (`known`: those of `ids` that are). */
  function requireCoHosts(ids: string[], known: Set<string>) {
    const problems = ids.flatMap((id, i) => (known.has(id) ? [] : [{ field: `coHostIds.${i}`, message: 'is not an organization of this agency' }]))
    if (problems.length) throw validationFailed(problems)
  }

  async function checkCoHosts(tx: Queryable, agencyId: string, ids: string[] | undefined) {
    if (ids?.length) requireCoHosts(ids, new Set(await repositories.on(tx).organizations.idsInAgency(agencyId, ids)))
  }

  const areaProblem = () => validationFailed([{ field: 'areaId', message: 'is not an area of this agency' }])

  async function checkArea(tx: Queryable, agencyId: string, areaId: string | null | undefined) {
    if (areaId && !(await repositories.on(tx).agencies.areaInAgency(areaId, agencyId))) throw areaProblem()
  }

  /** Runs one command on one event: load it in the agency, check version and status, apply, audit. */
  async function command(
    ctx: RequestContext,
    id: string,
    expectedVersion: VersionCondition,
    action: Command,
    allowedFrom: Status[],
    change: (row: EventRow, tx: Queryable, editor: Editor) => Promise<Partial<EventRow>> | Partial<EventRow>,
  ): Promise<EventView> {
    const editor = await editorOf(ctx, action)
    const { agency } = editor
    if (!isUuid(id)) throw notFound('EVENT_NOT_FOUND', 'The event')
    return db.transaction(async (tx) => {
      const { events, organizations, audit, outbox } = repositories.on(tx)
      const current = await events.byId(id, editor.organizationId ? { draftsCoHostedBy: editor.organizationId } : { draftsOfAgencyId: agency.id })
      if (!current || current.agencyId !== agency.id) throw notFound('EVENT_NOT_FOUND', 'The event')
      // A partner sees no difference between an event it does not co-host and one that does not exist.
      if (editor.organizationId && !(await organizations.isCoHost(agency.id, id, editor.organizationId)))
        throw notFound('EVENT_NOT_FOUND', 'The event')
      if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
      if (!allowedFrom.includes(current.status))
        throw invalidTransition(`A ${current.status} event cannot be ${pastTense[action]}; allowed from: ${allowedFrom.join(', ')}`)
      const changes = await change(current, tx, editor)
      // Completing is bookkeeping; every other command changes what a subscriber's calendar should show.
      const calendarChange = action !== 'complete'
      const updated = await events.updateVersioned(agency.id, id, current.version, {
        ...changes,
        // Subscribers' calendars refresh when SEQUENCE rises.
        sequence: calendarChange ? current.sequence + 1 : current.sequence,
        // An occurrence changed by hand no longer follows its series' rule.
        isException: current.isException || (calendarChange && current.seriesId !== null),
        updatedAt: ctx.clock.now(),
      })
      if (!updated) throw preconditionFailed()
      await audit.record(ctx, {
        agencyId: agency.id,
        action: `event.${pastTense[action]}`,
        entityType: 'event',
        entityId: id,
        details: { fromStatus: current.status, toStatus: updated.status, version: updated.version },
      })
      // A draft is the agency's own (and its co-hosts'); any other status is public.
      await outbox.append(ctx, { agencyId: agency.id, entityType: 'event', entityId: id, action: `event.${pastTense[action]}`, visibility: updated.status === 'draft' ? 'agency' : 'public', payload: { id, version: updated.version } })
      // A published draft joins the events the decisions that discuss it list.
      if (current.status === 'draft' && updated.status !== 'draft') await outbox.appendLinksChanged(ctx, { eventIds: [id] })
      return (await views(ctx, [updated], tx))[0]!
    })
  }

  /**
   * Near me, nearest first: keyset pages on (distance, id), the cursor carrying the last distance as the database
   * computed it; a cursor names its point and radius (a hash of them), so one from another search is refused.
   */
  async function listNear(
    ctx: RequestContext,
    filter: EventFilter & { near: NearPoint },
    slug: string | undefined,
    rawCursor: string | undefined,
    limit: number,
    count: boolean | undefined,
  ): Promise<CountedPage<EventView & { distance: number }>> {
    const order = nearOrderOf(filter.near, filter.radius)
    const cursor = rawCursor ? decodeCursor(rawCursor, order) : undefined
    if (cursor && cursor.distance === undefined) throw new AppError('INVALID_CURSOR', 'The cursor is not one this listing issued; start again without it')
    const agencyId = await agencies.idForFilter(slug)
    if (agencyId === null) return { data: [], nextCursor: null, ...(count ? noRows : {}) }
    const visibility = await visibilityFor(ctx)
    const [rows, total] = await Promise.all([
      repositories.events.listNear({ ...filter, agencyId }, visibility, cursor, limit),
      totalWhen(count, () => repositories.events.count({ ...filter, agencyId }, visibility, repositories.totalCountCap)),
    ])
    const more = rows.length > limit
    const page = more ? rows.slice(0, limit) : rows
    const last = page.at(-1)
    const shown = await views(ctx, page)
    return { data: shown.map((v, i) => ({ ...v, distance: page[i]!.distance })), nextCursor: more && last ? encodeCursor(order, last.startsAt, last.id, last.distance) : null, ...total }
  }

  return {
    /** The order name of a near-me list's cursors (GraphQL edges resume from any row with it). */
    nearOrder(rawQuery: unknown): string {
      const query = parseInput(eventListQuery, rawQuery)
      return query.near ? nearOrderOf(query.near, query.radius) : 'events:start'
    },

    /** Which events the caller may see beyond the published ones (the read path applies the same rule). */
    visibilityFor,

    /** A page of events; with `count`, the total the caller would page through (counting.ts) beside it. */
    async list(ctx: RequestContext, rawQuery: unknown): Promise<CountedPage<EventView>> {
      const query = parseInput(eventListQuery, rawQuery)
      const { limit, cursor: rawCursor, agency: slug, count, ...filter } = query
      if (filter.near) return listNear(ctx, { ...filter, near: filter.near }, slug, rawCursor, limit, count)
      const order = query.updatedSince ? 'events:updated' : 'events:start'
      const cursor = rawCursor ? decodeCursor(rawCursor, order) : undefined
      const agencyId = await agencies.idForFilter(slug)
      if (agencyId === null) return { data: [], nextCursor: null, ...(count ? noRows : {}) }
      const visibility = await visibilityFor(ctx)
      const [rows, total] = await Promise.all([
        repositories.events.list({ ...filter, agencyId }, visibility, cursor, limit),
        totalWhen(count, () => repositories.events.count({ ...filter, agencyId }, visibility, repositories.totalCountCap)),
      ])
      const page = toPage(rows, limit, order, (r) => (query.updatedSince ? r.updatedAt : r.startsAt), (r) => r)
      return { data: await views(ctx, page.data), nextCursor: page.nextCursor, ...total }
    },

    /** The event's row as the caller may see it, in one statement (for creates that hang off an event), or EVENT_NOT_FOUND. */
    async visibleRow(ctx: RequestContext, id: string): Promise<EventRow> {
      if (!isUuid(id)) throw notFound('EVENT_NOT_FOUND', 'The event')
      const row = await repositories.events.byId(id, await visibilityFor(ctx))
      if (!row) throw notFound('EVENT_NOT_FOUND', 'The event')
      return row
    },

    /** Events by id as the caller's own read of each gives it; unknown or hidden ids are left out. */
    async byIds(ctx: RequestContext, ids: Iterable<string>): Promise<Map<string, EventView>> {
      const unique = [...new Set(ids)].filter(isUuid)
      if (unique.length === 0) return new Map()
      const rows = await repositories.events.byIds(unique, await visibilityFor(ctx))
      return new Map((await views(ctx, rows)).map((v) => [v.id, v]))
    },

    async get(ctx: RequestContext, id: string): Promise<EventView> {
      if (!isUuid(id)) throw notFound('EVENT_NOT_FOUND', 'The event')
      const row = await repositories.events.byId(id, await visibilityFor(ctx))
      if (!row) throw notFound('EVENT_NOT_FOUND', 'The event')
      return (await views(ctx, [row]))[0]!
    },

    /** Schedules an event in at most two statements: its checks in one read, then one write (see src/modules/writes.ts). */
    async schedule(ctx: RequestContext, rawInput: unknown, idempotencyKey?: string): Promise<WriteResult> {
      // A partner organization proposes: a draft it co-hosts, which staff review and publish.
      const proposer = ctx.actor.kind === 'partner' && ctx.actor.organizationId ? ctx.actor.organizationId : undefined
      const agency = proposer ? await agencies.ofActor(ctx) : await managerAgency(ctx)
      const input = parseInput(scheduleEventInput, rawInput)
      if (proposer && input.draft === false) throw validationFailed([{ field: 'draft', message: 'a partner proposes a draft; agency staff publish it' }])
      if (proposer && input.coHostIds?.some((id) => id !== proposer)) throw new AppError('FORBIDDEN', 'Only agency staff may name other co-hosts')
      const { startsAt, endsAt, ...rest } = input
      const draft = proposer ? true : rest.draft
      const coHostIds = proposer ? [proposer] : rest.coHostIds
      const { draft: _draft, coHostIds: _coHostIds, ...content } = rest
      const created = await writes.create(ctx, {
        operation: 'events.schedule',
        entityType: 'event',
        idempotencyKey,
        body: rawInput,
        checks: {
          area: input.areaId ? repositories.agencies.areaInAgencyCheck(input.areaId, agency.id) : undefined,
          coHosts: coHostIds?.length ? repositories.organizations.idsInAgencyCheck(agency.id, coHostIds) : undefined,
          topics: content.topics?.length ? repositories.topics.codesCheck(agency.id, content.topics) : undefined,
        },
        plan: (found, id) => {
          if (found.area === false) throw areaProblem()
          const topicProblem = content.topics?.length ? eventTopicProblem(content.topics, found.topics ?? []) : undefined
          if (topicProblem) throw topicProblem
          if (coHostIds?.length) requireCoHosts(coHostIds, new Set(found.coHosts?.map((o) => o.id)))
          const now = ctx.clock.now()
          const timeZone = content.timeZone ?? agency.timeZone
          return {
            row: repositories.events.planInsert({
              ...contentColumns({ ...content, timeZone }),
              id,
              title: content.title,
              kind: content.kind,
              format: content.format,
              timeZone,
              agencyId: agency.id,
              status: draft ? 'draft' : 'scheduled',
              startsAt,
              endsAt,
              createdAt: now,
              updatedAt: now,
            }),
            alongside: coHostIds?.length ? [repositories.organizations.planCoHosts(agency.id, id, coHostIds)] : [],
            audit: { agencyId: agency.id, action: proposer ? 'event.proposed' : 'event.scheduled' },
            // A draft is the agency's own until published.
            outbox: { visibility: draft ? 'agency' : 'public', payload: { id, version: 1 } },
          }
        },
      })
      if (created.replayOf !== undefined) {
        const prior = await repositories.events.byId(created.replayOf, { draftsOfAgencyId: agency.id })
        if (!prior) throw notFound('EVENT_NOT_FOUND', 'The event created with this Idempotency-Key')
        return { event: (await views(ctx, [prior]))[0]!, replayed: true }
      }
      // A new event has no co-hosts to look up: build its view from what is known.
      return { event: eventView(created.row, agency, ctx.languages, [...(coHostIds ?? [])].sort()), replayed: false }
    },

    update(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<EventView> {
      const input = parseInput(updateEventInput, rawInput)
      const { coHostIds, ...content } = input
      return command(ctx, id, expectedVersion, 'update', ['draft', 'scheduled', 'postponed'], async (current, tx, editor) => {
        if (coHostIds !== undefined) {
          if (editor.organizationId) throw new AppError('FORBIDDEN', 'Only agency staff may change who co-hosts an event')
          await checkCoHosts(tx, current.agencyId, coHostIds)
          await repositories.on(tx).organizations.setCoHosts(current.agencyId, current.id, coHostIds)
        }
        await checkArea(tx, current.agencyId, content.areaId)
        if (content.topics?.length) {
          const problem = eventTopicProblem(content.topics, await repositories.on(tx).topics.byCodes(current.agencyId, content.topics), current.topics)
          if (problem) throw problem
        }
        const changes = contentColumns(content)
        // The merged event must still have a place and/or a way in that fits its format.
        const merged = { ...current, ...changes }
        const problems = formatProblems({
          format: merged.format,
          venue: merged.venueName || merged.address ? { name: merged.venueName ?? undefined, address: merged.address ?? undefined } : null,
          online: merged.joinUrl || merged.dialIn ? { joinUrl: merged.joinUrl ?? undefined, dialIn: merged.dialIn ?? undefined } : null,
        })
        if (problems.length) throw validationFailed(problems)
        return changes
      })
    },

    publish: (ctx: RequestContext, id: string, expectedVersion: VersionCondition) =>
      command(ctx, id, expectedVersion, 'publish', transitions.publish, () => ({ status: 'scheduled' })),

    reschedule(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<EventView> {
      const input = parseInput(rescheduleInput, rawInput)
      return command(ctx, id, expectedVersion, 'reschedule', transitions.reschedule, (current) => ({
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        status: current.status === 'draft' ? 'draft' : 'scheduled',
        statusReason: input.reason ?? null,
      }))
    },

    postpone(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<EventView> {
      const input = parseInput(reasonInput, rawInput ?? {})
      return command(ctx, id, expectedVersion, 'postpone', transitions.postpone, () => ({ status: 'postponed', statusReason: input.reason ?? null }))
    },

    cancel(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<EventView> {
      const input = parseInput(reasonInput, rawInput ?? {})
      return command(ctx, id, expectedVersion, 'cancel', transitions.cancel, () => ({ status: 'cancelled', statusReason: input.reason ?? null }))
    },

    complete(ctx: RequestContext, id: string, expectedVersion: VersionCondition): Promise<EventView> {
      return command(ctx, id, expectedVersion, 'complete', transitions.complete, (current) => {
        if (current.startsAt.getTime() > ctx.clock.now().getTime()) throw invalidTransition('An event cannot be completed before it starts')
        return { status: 'completed' }
      })
    },
  }
}
export type EventsService = ReturnType<typeof createEventsService>
