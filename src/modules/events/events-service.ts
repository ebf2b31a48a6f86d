/** Engagement events: schedule, change and close meetings, and list them for calendars and sync. */
import { canManage, principalOf } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import type { Database, Queryable } from '../../db/client.ts'
import { AppError, invalidTransition, notFound, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import { createAgenciesRepository } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import { createAuditRepository } from '../audit/audit-repository.ts'
import { claimIdempotencyKey } from '../idempotency/idempotency.ts'
import { decodeCursor, toPage, type Page } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { versionMatches, type VersionCondition } from '../shared/versions.ts'
import { contentColumns } from './event-columns.ts'
import { eventView, type EventView } from './event-view.ts'
import { createEventsRepository, type EventRow, type EventVisibility } from './events-repository.ts'
import { eventListQuery, formatProblems, reasonInput, rescheduleInput, scheduleEventInput, updateEventInput } from './events-schemas.ts'

type Status = EventRow['status']

/** What each command is recorded as in the audit trail. */
const pastTense = { update: 'updated', publish: 'published', reschedule: 'rescheduled', postpone: 'postponed', cancel: 'cancelled', complete: 'completed' } as const
type Command = keyof typeof pastTense

/** Which command may move an event from which status. Cancelled and completed are final. */
const transitions: Record<Exclude<Command, 'update'>, Status[]> = {
  publish: ['draft'],
  reschedule: ['draft', 'scheduled', 'postponed'],
  postpone: ['scheduled'],
  cancel: ['draft', 'scheduled', 'postponed'],
  complete: ['scheduled'],
}

export type WriteResult = { event: EventView; replayed: boolean }

export function createEventsService({ database, agencies }: { database: Database; agencies: AgenciesService }) {
  const { db } = database

  async function visibilityFor(ctx: RequestContext): Promise<EventVisibility> {
    return canManage(ctx.actor) ? { draftsOfAgencyId: (await agencies.ofActor(ctx)).id } : {}
  }

  async function views(ctx: RequestContext, rows: EventRow[]): Promise<EventView[]> {
    const byId = await agencies.byIds(rows.map((r) => r.agencyId))
    return rows.map((r) => eventView(r, byId.get(r.agencyId), ctx.languages))
  }

  /** The acting staff member's agency; other callers may read but not change events. */
  async function managerAgency(ctx: RequestContext): Promise<AgencyRow> {
    if (ctx.actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in as agency staff to change events')
    if (!canManage(ctx.actor)) throw new AppError('FORBIDDEN', 'Only agency staff may change events')
    return agencies.ofActor(ctx)
  }

  async function checkArea(tx: Queryable, agencyId: string, areaId: string | null | undefined) {
    if (areaId && !(await createAgenciesRepository(tx).areaInAgency(areaId, agencyId)))
      throw validationFailed([{ field: 'areaId', message: 'is not an area of this agency' }])
  }

  /** Runs one command on one event: load it in the agency, check version and status, apply, audit. */
  async function command(
    ctx: RequestContext,
    id: string,
    expectedVersion: VersionCondition,
    action: Command,
    allowedFrom: Status[],
    change: (row: EventRow, tx: Queryable) => Promise<Partial<EventRow>> | Partial<EventRow>,
  ): Promise<EventView> {
    const agency = await managerAgency(ctx)
    if (!isUuid(id)) throw notFound('EVENT_NOT_FOUND', 'The event')
    const row = await db.transaction(async (tx) => {
      const events = createEventsRepository(tx)
      const current = await events.byId(id, { draftsOfAgencyId: agency.id })
      if (!current || current.agencyId !== agency.id) throw notFound('EVENT_NOT_FOUND', 'The event')
      if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
      if (!allowedFrom.includes(current.status))
        throw invalidTransition(`A ${current.status} event cannot be ${pastTense[action]}; allowed from: ${allowedFrom.join(', ')}`)
      const changes = await change(current, tx)
      // Completing is bookkeeping; every other command changes what a subscriber's calendar should show.
      const calendarChange = action !== 'complete'
      const updated = await events.updateVersioned(agency.id, id, current.version, {
        ...changes,
        // Subscribers' calendars refresh when SEQUENCE rises.
        sequence: calendarChange ? current.sequence + 1 : current.sequence,
        // An occurrence changed by hand no longer follows its series' rule.
        isException: current.isException || (calendarChange && current.seriesId !== null),
      })
      if (!updated) throw preconditionFailed()
      await createAuditRepository(tx).record(ctx, {
        agencyId: agency.id,
        action: `event.${pastTense[action]}`,
        entityType: 'event',
        entityId: id,
        details: { fromStatus: current.status, toStatus: updated.status, version: updated.version },
      })
      return updated
    })
    return eventView(row, agency, ctx.languages)
  }

  return {
    async list(ctx: RequestContext, rawQuery: unknown): Promise<Page<EventView>> {
      const query = parseInput(eventListQuery, rawQuery)
      const { limit, cursor: rawCursor, agency: slug, ...filter } = query
      const order = query.updatedSince ? 'events:updated' : 'events:start'
      const cursor = rawCursor ? decodeCursor(rawCursor, order) : undefined
      let agencyId: string | undefined
      if (slug) {
        const agency = await agencies.bySlug(slug)
        if (!agency) return { data: [], nextCursor: null }
        agencyId = agency.id
      }
      const rows = await createEventsRepository(db).list({ ...filter, agencyId }, await visibilityFor(ctx), cursor, limit)
      const page = toPage(rows, limit, order, (r) => (query.updatedSince ? r.updatedAt : r.startsAt), (r) => r)
      return { data: await views(ctx, page.data), nextCursor: page.nextCursor }
    },

    async get(ctx: RequestContext, id: string): Promise<EventView> {
      if (!isUuid(id)) throw notFound('EVENT_NOT_FOUND', 'The event')
      const row = await createEventsRepository(db).byId(id, await visibilityFor(ctx))
      if (!row) throw notFound('EVENT_NOT_FOUND', 'The event')
      return (await views(ctx, [row]))[0]!
    },

    async schedule(ctx: RequestContext, rawInput: unknown, idempotencyKey?: string): Promise<WriteResult> {
      const agency = await managerAgency(ctx)
      const input = parseInput(scheduleEventInput, rawInput)
      let replayed = false
      const row = await db.transaction(async (tx) => {
        const events = createEventsRepository(tx)
        const claim = idempotencyKey
          ? await claimIdempotencyKey(tx, { principal: principalOf(ctx.actor), operation: 'events.schedule', key: idempotencyKey }, rawInput)
          : undefined
        if (claim?.replayOf) {
          replayed = true
          const prior = await events.byId(claim.replayOf, { draftsOfAgencyId: agency.id })
          if (!prior) throw notFound('EVENT_NOT_FOUND', 'The event created with this Idempotency-Key')
          return prior
        }
        await checkArea(tx, agency.id, input.areaId)
        const { draft, startsAt, endsAt, ...content } = input
        const [created] = await events.insert([
          {
            ...contentColumns({ ...content, timeZone: content.timeZone ?? agency.timeZone }),
            title: content.title,
            kind: content.kind,
            format: content.format,
            timeZone: content.timeZone ?? agency.timeZone,
            agencyId: agency.id,
            status: draft ? 'draft' : 'scheduled',
            startsAt,
            endsAt,
          },
        ])
        await claim?.complete(created!.id, 201)
        await createAuditRepository(tx).record(ctx, { agencyId: agency.id, action: 'event.scheduled', entityType: 'event', entityId: created!.id })
        return created!
      })
      return { event: eventView(row, agency, ctx.languages), replayed }
    },

    update(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<EventView> {
      const input = parseInput(updateEventInput, rawInput)
      return command(ctx, id, expectedVersion, 'update', ['draft', 'scheduled', 'postponed'], async (current, tx) => {
        await checkArea(tx, current.agencyId, input.areaId)
        const changes = contentColumns(input)
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
        if (current.startsAt.getTime() > Date.now()) throw invalidTransition('An event cannot be completed before it starts')
        return { status: 'completed' }
      })
    },
  }
}
export type EventsService = ReturnType<typeof createEventsService>

export const preconditionFailed = (currentVersion?: number) =>
  new AppError(
    'PRECONDITION_FAILED',
    currentVersion === undefined
      ? 'The resource changed while this request ran; read it again and retry'
      : `The resource is at version ${currentVersion}; read it again and retry with its current ETag`,
  )
