/** Series: recurring meetings from an RFC 5545 rule, rotating between places, materialized as events. */
import { randomUUID } from 'node:crypto'
import { canManage } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import type { Database, Queryable } from '../../db/client.ts'
import { AppError, notFound, validationFailed } from '../../errors.ts'
import { localToInstant, toLocal } from '../../time.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { Repositories } from '../repositories.ts'
import type { Writes } from '../writes.ts'
import { decodeCursor, noRows, toPage, totalWhen, type CountedPage, type Page } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { preconditionFailed, versionMatches, type VersionCondition } from '../shared/versions.ts'
import { contentColumns, onlineColumns, venueColumns } from './event-columns.ts'
import { seriesView, type SeriesView } from './event-view.ts'
import type { EventInsert, EventVisibility, SeriesInsert, SeriesRow } from './events-repository.ts'
import {
  createSeriesInput,
  formatProblems,
  reasonInput,
  seriesListQuery,
  updateSeriesInput,
  type OverrideInput,
  type PlaceInput,
} from './events-schemas.ts'
import { expand, RecurrenceError } from './recurrence.ts'
import type { OutboxEntry } from '../outbox/outbox-repository.ts'
import { eventTopicProblem } from '../topics/topics-service.ts'

/** An occurrence's outbox entry: an event like any other, public unless a draft. */
const occurrenceEntry = (agencyId: string, o: { id?: string; version?: number; status?: string | null }, action: string): OutboxEntry => ({
  agencyId,
  entityType: 'event',
  entityId: o.id!,
  action,
  visibility: o.status === 'draft' ? 'agency' : 'public',
  payload: { id: o.id!, version: o.version ?? 1 },
})

const MINUTE = 60_000

/** The occurrences a series should have: its rule, minus exceptions, with rotation and overrides applied. */
export function planOccurrences(s: SeriesRow, now: Date): EventInsert[] {
  let occurrences
  try {
    occurrences = expand(s.rrule, s.dtstartLocal, s.timeZone, s.exdates, now)
  } catch (err) {
    if (err instanceof RecurrenceError) throw validationFailed([{ field: 'recurrence.rule', message: err.message }])
    throw err
  }
  const rotation = s.rotation as PlaceInput[]
  const overrides = new Map((s.overrides as OverrideInput[]).map((o) => [o.occurrence, o]))
  const known = new Set(occurrences.map((o) => o.local))
  for (const o of overrides.keys())
    if (!known.has(o)) throw validationFailed([{ field: 'overrides', message: `${o} is not an occurrence of the rule` }])

  return occurrences.map((occ) => {
    const place = rotation.length ? rotation[occ.index % rotation.length]! : undefined
    const override = overrides.get(occ.local)
    const startsAt = override?.start ? localToInstant(override.start, s.timeZone) : occ.start
    const minutes = override?.durationMinutes ?? s.durationMinutes
    const row: EventInsert = {
      agencyId: s.agencyId,
      seriesId: s.id,
      recurrenceId: occ.start,
      isException: override !== undefined,
      title: s.title,
      description: s.description,
      kind: s.kind,
      format: override?.format ?? s.format,
      timeZone: s.timeZone,
      venueName: s.venueName,
      address: s.address,
      latitude: s.latitude,
      longitude: s.longitude,
      areaId: s.areaId,
      joinUrl: s.joinUrl,
      dialIn: s.dialIn,
      captionsUrl: s.captionsUrl,
      languages: s.languages,
      interpretation: s.interpretation,
      accommodations: s.accommodations,
      capacity: s.capacity,
      registrationRequired: s.registrationRequired,
      hostUnit: s.hostUnit,
      topics: s.topics,
      ...placeColumns(place),
      ...placeColumns(override),
      // A meeting held online only has no building, whatever the rotation says.
      ...(override?.format === 'virtual' && !override.venue ? venueColumns(null) : {}),
      // A proposed (draft) series has draft occurrences until staff publish it.
      status: override?.cancelled || s.status === 'cancelled' ? 'cancelled' : s.status === 'draft' ? 'draft' : 'scheduled',
      startsAt,
      endsAt: new Date(startsAt.getTime() + minutes * MINUTE),
    }
    return row
  })
}

function placeColumns(p: PlaceInput | OverrideInput | undefined): Partial<EventInsert> {
  if (!p) return {}
  return { ...(p.venue ? venueColumns(p.venue) : {}), ...(p.online ? onlineColumns(p.online) : {}), ...(p.areaId ? { areaId: p.areaId } : {}) }
}

/** Fields whose change a calendar subscriber should see on an occurrence. */
const syncedFields = [
  'title', 'description', 'kind', 'format', 'venueName', 'address', 'latitude', 'longitude', 'areaId', 'joinUrl', 'dialIn',
  'captionsUrl', 'languages', 'interpretation', 'accommodations', 'capacity', 'registrationRequired', 'hostUnit', 'topics',
  'status', 'startsAt', 'endsAt', 'isException',
] as const

/**
 * Pairs a series' existing occurrences with the ones its (edited) rule now plans: first by the same original start
 * (RECURRENCE-ID), then by the same local date in the series' zone, in time order. So moving a series from 18:30 to
 * 18:00 keeps every occurrence (and its hand edits); dates the rule no longer gives are `gone`, new dates `unmatched`.
 */
export function matchOccurrences<E extends { recurrenceId: Date | null }>(planned: EventInsert[], existing: E[], timeZone: string) {
  const byStart = new Map(existing.map((e) => [e.recurrenceId!.getTime(), e]))
  const matched: [E, EventInsert][] = []
  const rest: EventInsert[] = []
  for (const p of planned) {
    const e = byStart.get(p.recurrenceId!.getTime())
    if (e) {
      matched.push([e, p])
      byStart.delete(p.recurrenceId!.getTime())
    } else rest.push(p)
  }
  const day = (d: Date) => toLocal(d, timeZone).slice(0, 10)
  const byDay = new Map<string, E[]>()
  for (const e of [...byStart.values()].sort((a, b) => a.recurrenceId!.getTime() - b.recurrenceId!.getTime()))
    byDay.set(day(e.recurrenceId!), [...(byDay.get(day(e.recurrenceId!)) ?? []), e])
  const unmatched: EventInsert[] = []
  for (const p of rest) {
    const e = byDay.get(day(p.recurrenceId!))?.shift()
    if (e) matched.push([e, p])
    else unmatched.push(p)
  }
  return { matched, unmatched, gone: [...byDay.values()].flat() }
}

const same = (a: unknown, b: unknown) =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

export function createSeriesService({ database, repositories, writes, agencies }: { database: Database; repositories: Repositories; writes: Writes; agencies: AgenciesService }) {
  const { db } = database

  const managerAgency = (ctx: RequestContext): Promise<AgencyRow> => agencies.managedBy(ctx, 'series')

  /** Who sees draft series: the agency's staff, or the partner organizations that co-host them. */
  async function visibilityFor(ctx: RequestContext): Promise<EventVisibility> {
    if (canManage(ctx.actor)) return { draftsOfAgencyId: (await agencies.ofActor(ctx)).id }
    return ctx.actor.kind === 'partner' ? { draftsCoHostedBy: ctx.actor.organizationId } : {}
  }

  /** Every area the series names (template, rotation, overrides). */
  const areasOf = (s: Pick<SeriesRow, 'areaId' | 'rotation' | 'overrides'>) =>
    new Set([s.areaId, ...(s.rotation as PlaceInput[]).map((p) => p.areaId), ...(s.overrides as OverrideInput[]).map((o) => o.areaId)].filter((id): id is string => Boolean(id)))

  /** Each of `ids` must be one of the agency's areas (`known`: those of them that are). */
  function requireAreas(ids: Set<string>, known: Set<string>) {
    for (const id of ids) if (!known.has(id)) throw validationFailed([{ field: 'areaId', message: `${id} is not an area of this agency` }])
  }

  /** Every co-host must be an organization of the series' agency (`known`: those of `ids` that are). */
  function requireCoHosts(ids: string[], known: Set<string>) {
    const problems = ids.flatMap((id, i) => (known.has(id) ? [] : [{ field: `coHostIds.${i}`, message: 'is not an organization of this agency' }]))
    if (problems.length) throw validationFailed(problems)
  }

  async function checkAreas(tx: Queryable, agencyId: string, s: SeriesRow) {
    const ids = areasOf(s)
    if (ids.size) requireAreas(ids, new Set((await repositories.on(tx).agencies.listAreas(agencyId)).map((a) => a.id)))
  }

  /** The occurrences the series should have, each with a place and/or a way in that fits its format. */
  function validOccurrences(s: SeriesRow, now: Date): EventInsert[] {
    const planned = planOccurrences(s, now)
    for (const p of planned) {
      const problems = formatProblems({
        format: p.format,
        venue: p.venueName || p.address ? { name: p.venueName ?? undefined, address: p.address ?? undefined } : null,
        online: p.joinUrl || p.dialIn ? { joinUrl: p.joinUrl ?? undefined, dialIn: p.dialIn ?? undefined } : null,
      })
      if (problems.length) throw validationFailed(problems)
    }
    return planned
  }

  /**
   * Brings future occurrences in line with the series: new ones are added, changed ones updated (SEQUENCE rises),
   * ones the rule no longer yields are cancelled. Past occurrences and occurrences staff changed by hand stay.
   */
  async function syncOccurrences(ctx: RequestContext, tx: Queryable, s: SeriesRow, now: Date, coHostsChanged: boolean) {
    const repo = repositories.on(tx).events
    const organizations = repositories.on(tx).organizations
    const changed: OutboxEntry[] = []
    const update = async (id: string, changes: Parameters<typeof repo.updateOccurrence>[2], action: string) => {
      const row = await repo.updateOccurrence(s.agencyId, id, changes)
      if (row) changed.push(occurrenceEntry(s.agencyId, row, action))
    }
    const planned = validOccurrences(s, now)
    const toInsert: (EventInsert & { createdAt: Date; updatedAt: Date })[] = []
    const { matched, unmatched, gone } = matchOccurrences(planned, await repo.occurrencesOf(s.agencyId, s.id), s.timeZone)
    for (const p of unmatched)
      if (p.startsAt.getTime() >= now.getTime() || s.version === 1) toInsert.push({ ...p, createdAt: now, updatedAt: now })
    for (const [current, p] of matched) {
      const overridden = (s.overrides as OverrideInput[]).some((o) => localToInstant(o.occurrence, s.timeZone).getTime() === p.recurrenceId!.getTime())
      const handEdited = current.isException && !overridden
      if (current.startsAt.getTime() < now.getTime() || handEdited || current.status === 'completed') continue
      // The occurrence keeps its identity (id, UID, RECURRENCE-ID); only what it shows follows the series.
      const changes = Object.fromEntries(syncedFields.filter((f) => !same(current[f], p[f])).map((f) => [f, p[f]]))
      // A date the rule gives again is the same meeting back, without the reason it had been dropped.
      if (changes.status === 'scheduled') changes.statusReason = null
      if (coHostsChanged) await organizations.setCoHosts(s.agencyId, current.id, s.coHostIds)
      // New co-hosts alone are a change of the occurrence too (its version rises, the change feed says so).
      if (Object.keys(changes).length || coHostsChanged) await update(current.id, { ...changes, updatedAt: now }, changes.status === 'cancelled' ? 'event.cancelled' : 'event.updated')
    }
    for (const g of gone)
      if (g.startsAt.getTime() >= now.getTime() && g.status !== 'cancelled' && g.status !== 'completed')
        await update(g.id, { status: 'cancelled', statusReason: 'No longer part of the series', updatedAt: now }, 'event.cancelled')
    const inserted = await repo.insert(toInsert)
    for (const o of inserted) if (s.coHostIds.length) await organizations.setCoHosts(s.agencyId, o.id, s.coHostIds)
    await repositories.on(tx).outbox.append(ctx, [...changed, ...inserted.map((o) => occurrenceEntry(s.agencyId, o, 'event.scheduled'))])
  }

  return {
    async list(ctx: RequestContext, rawQuery: unknown): Promise<CountedPage<SeriesView>> {
      const { agency: slug, limit, cursor: raw, count } = parseInput(seriesListQuery, rawQuery)
      const cursor = raw ? decodeCursor(raw, 'series:created') : undefined
      const agency = slug ? await agencies.bySlug(slug) : undefined
      if (slug && !agency) return { data: [], nextCursor: null, ...(count ? noRows : {}) }
      const visibility = await visibilityFor(ctx)
      const [rows, total] = await Promise.all([
        repositories.events.listSeries(agency?.id, visibility, cursor, limit),
        totalWhen(count, () => repositories.events.countSeries(agency?.id, visibility, repositories.totalCountCap)),
      ])
      const page = toPage(rows, limit, 'series:created', (r) => r.createdAt, (r) => r)
      const byId = await agencies.byIds(page.data.map((r) => r.agencyId))
      return { data: page.data.map((r) => seriesView(r, byId.get(r.agencyId), ctx.languages)), nextCursor: page.nextCursor, ...total }
    },

    async get(ctx: RequestContext, id: string): Promise<SeriesView> {
      if (!isUuid(id)) throw notFound('SERIES_NOT_FOUND', 'The series')
      const row = await repositories.events.seriesById(id, await visibilityFor(ctx))
      if (!row) throw notFound('SERIES_NOT_FOUND', 'The series')
      const byId = await agencies.byIds([row.agencyId])
      return seriesView(row, byId.get(row.agencyId), ctx.languages)
    },

    /** Many series in one query, keyed by id; unknown ids are simply absent. */
    async byIds(ctx: RequestContext, ids: Iterable<string>): Promise<Map<string, SeriesView>> {
      const rows = await repositories.events.seriesByIds([...new Set(ids)].filter(isUuid), await visibilityFor(ctx))
      const agencyRows = await agencies.byIds(rows.map((r) => r.agencyId))
      return new Map(rows.map((r) => [r.id, seriesView(r, agencyRows.get(r.agencyId), ctx.languages)]))
    },

    async create(ctx: RequestContext, rawInput: unknown, idempotencyKey?: string): Promise<{ series: SeriesView; replayed: boolean }> {
      // A partner organization proposes: a draft series it co-hosts, which staff review and publish.
      const proposer = ctx.actor.kind === 'partner' && ctx.actor.organizationId ? ctx.actor.organizationId : undefined
      const agency = proposer ? await agencies.ofActor(ctx) : await managerAgency(ctx)
      const input = parseInput(createSeriesInput, rawInput)
      if (proposer && input.coHostIds?.some((id) => id !== proposer)) throw new AppError('FORBIDDEN', 'Only agency staff may name other co-hosts')
      const { recurrence, rotation, overrides, coHostIds: named = [], ...content } = input
      const coHostIds = proposer ? [proposer] : named
      const timeZone = content.timeZone ?? agency.timeZone
      const areaIds = areasOf({ areaId: content.areaId ?? null, rotation, overrides })
      // Its area check in one read, then the series and its occurrences in one write (see src/modules/writes.ts).
      const created = await writes.create(ctx, {
        operation: 'series.create',
        entityType: 'series',
        idempotencyKey,
        body: rawInput,
        checks: {
          areas: areaIds.size ? repositories.agencies.areasInAgencyCheck(agency.id, [...areaIds]) : undefined,
          coHosts: coHostIds.length ? repositories.organizations.idsInAgencyCheck(agency.id, coHostIds) : undefined,
          topics: content.topics?.length ? repositories.topics.codesCheck(agency.id, content.topics) : undefined,
        },
        plan: (found, id) => {
          requireAreas(areaIds, new Set(found.areas?.map((a) => a.id)))
          // Topics come from the agency's vocabulary, as an event's do.
          const topicProblem = content.topics?.length ? eventTopicProblem(content.topics, found.topics ?? []) : undefined
          if (topicProblem) throw topicProblem
          requireCoHosts(coHostIds, new Set(found.coHosts?.map((o) => o.id)))
          const now = ctx.clock.now()
          const values = {
            ...(contentColumns({ ...content, timeZone }) as Omit<SeriesInsert, 'agencyId' | 'rrule' | 'dtstartLocal' | 'durationMinutes'>),
            id,
            title: content.title,
            kind: content.kind,
            format: content.format,
            timeZone,
            agencyId: agency.id,
            rrule: recurrence.rule.replace(/^RRULE:/i, ''),
            dtstartLocal: recurrence.start,
            durationMinutes: recurrence.durationMinutes,
            exdates: recurrence.exceptions,
            rotation,
            overrides,
            coHostIds,
            ...(proposer ? { status: 'draft' as const } : {}),
            createdAt: now,
            updatedAt: now,
          }
          // The row as the database will hold it (its defaults filled in), for planning its occurrences before it exists.
          const series: SeriesRow = {
            description: {}, venueName: null, address: null, areaId: null, latitude: null, longitude: null, joinUrl: null, dialIn: null, captionsUrl: null,
            languages: [], interpretation: [], accommodations: [], capacity: null, registrationRequired: false, hostUnit: null, topics: [],
            status: 'active', version: 1, deletedAt: null,
            ...values,
          }
          // A new series gets every occurrence its rule yields, past ones included.
          const occurrences = validOccurrences(series, now).map((p) => ({ ...p, id: randomUUID(), createdAt: now, updatedAt: now }))
          return {
            row: repositories.events.planSeries(values),
            alongside: [
              repositories.events.planOccurrences(occurrences),
              // Every occurrence is co-hosted as the series is (after the occurrences, which the rows reference).
              ...(coHostIds.length
                ? [repositories.organizations.planCoHostRows(occurrences.flatMap((o) => coHostIds.map((organizationId) => ({ agencyId: agency.id, eventId: o.id, organizationId }))))]
                : []),
              // Each occurrence is an event of its own in the change feed.
              repositories.outbox.planAppendMany(ctx, occurrences.map((o) => occurrenceEntry(agency.id, o, 'event.scheduled'))),
            ],
            audit: { agencyId: agency.id, action: proposer ? 'series.proposed' : 'series.created' },
            outbox: { visibility: proposer ? 'agency' : 'public', payload: { id, version: 1 } },
          }
        },
      })
      if (created.replayOf !== undefined) {
        const prior = await repositories.events.seriesById(created.replayOf)
        if (!prior) throw notFound('SERIES_NOT_FOUND', 'The series created with this Idempotency-Key')
        return { series: seriesView(prior, agency, ctx.languages), replayed: true }
      }
      return { series: seriesView(created.row, agency, ctx.languages), replayed: false }
    },

    async update(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<SeriesView> {
      const agency = await managerAgency(ctx)
      if (!isUuid(id)) throw notFound('SERIES_NOT_FOUND', 'The series')
      const input = parseInput(updateSeriesInput, rawInput)
      const row = await db.transaction(async (tx) => {
        const { events: repo, audit } = repositories.on(tx)
        const current = await repo.seriesById(id)
        if (!current || current.agencyId !== agency.id) throw notFound('SERIES_NOT_FOUND', 'The series')
        if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
        if (current.status === 'cancelled') throw new AppError('INVALID_TRANSITION', 'A cancelled series cannot be changed')
        const { recurrence, rotation, overrides, coHostIds, ...content } = input
        if (coHostIds?.length) requireCoHosts(coHostIds, new Set(await repositories.on(tx).organizations.idsInAgency(agency.id, coHostIds)))
        // New topics come from the vocabulary; a retired one the series already has may stay.
        const topicProblem = content.topics?.length ? eventTopicProblem(content.topics, await repositories.on(tx).topics.byCodes(agency.id, content.topics), current.topics) : undefined
        if (topicProblem) throw topicProblem
        const changes: Partial<SeriesInsert> = {
          ...(coHostIds ? { coHostIds } : {}),
          ...(contentColumns(content) as Partial<SeriesInsert>),
          ...(recurrence
            ? { rrule: recurrence.rule.replace(/^RRULE:/i, ''), dtstartLocal: recurrence.start, durationMinutes: recurrence.durationMinutes, exdates: recurrence.exceptions }
            : {}),
          ...(rotation ? { rotation } : {}),
          ...(overrides ? { overrides } : {}),
        }
        const now = ctx.clock.now()
        const updated = await repo.updateSeriesVersioned(agency.id, id, current.version, { ...changes, updatedAt: now })
        if (!updated) throw preconditionFailed()
        await checkAreas(tx, agency.id, updated)
        await syncOccurrences(ctx, tx, updated, now, coHostIds !== undefined && !same([...coHostIds].sort(), [...current.coHostIds].sort()))
        await audit.record(ctx, { agencyId: agency.id, action: 'series.updated', entityType: 'series', entityId: id, details: { version: updated.version } })
        await repositories.on(tx).outbox.append(ctx, { agencyId: agency.id, entityType: 'series', entityId: id, action: 'series.updated', visibility: updated.status === 'draft' ? 'agency' : 'public', payload: { id, version: updated.version } })
        return updated
      })
      return seriesView(row, agency, ctx.languages)
    },

    /** Publishes a proposed (draft) series: it becomes active and its draft occurrences scheduled, in public sight. */
    async publish(ctx: RequestContext, id: string, expectedVersion: VersionCondition): Promise<SeriesView> {
      const agency = await managerAgency(ctx)
      if (!isUuid(id)) throw notFound('SERIES_NOT_FOUND', 'The series')
      const row = await db.transaction(async (tx) => {
        const { events: repo, audit, outbox } = repositories.on(tx)
        const current = await repo.seriesById(id)
        if (!current || current.agencyId !== agency.id) throw notFound('SERIES_NOT_FOUND', 'The series')
        if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
        if (current.status !== 'draft') throw new AppError('INVALID_TRANSITION', `A ${current.status} series cannot be published; allowed from: draft`)
        const now = ctx.clock.now()
        const updated = await repo.updateSeriesVersioned(agency.id, id, current.version, { status: 'active', updatedAt: now })
        if (!updated) throw preconditionFailed()
        const published: OutboxEntry[] = []
        for (const e of await repo.occurrencesOf(agency.id, id))
          if (e.status === 'draft') {
            const row = await repo.updateOccurrence(agency.id, e.id, { status: 'scheduled', updatedAt: now })
            if (row) published.push(occurrenceEntry(agency.id, row, 'event.published'))
          }
        await audit.record(ctx, { agencyId: agency.id, action: 'series.published', entityType: 'series', entityId: id, details: { version: updated.version } })
        await outbox.append(ctx, [...published, { agencyId: agency.id, entityType: 'series', entityId: id, action: 'series.published', visibility: 'public', payload: { id, version: updated.version } }])
        // Published occurrences join the events the decisions that discuss them list.
        if (published.length) await outbox.appendLinksChanged(ctx, { eventIds: published.map((p) => p.entityId) })
        return updated
      })
      return seriesView(row, agency, ctx.languages)
    },

    /** Ends a series: every occurrence yet to happen is cancelled, and subscribers see it. */
    async cancel(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<SeriesView> {
      const agency = await managerAgency(ctx)
      if (!isUuid(id)) throw notFound('SERIES_NOT_FOUND', 'The series')
      const { reason } = parseInput(reasonInput, rawInput ?? {})
      const row = await db.transaction(async (tx) => {
        const { events: repo, audit } = repositories.on(tx)
        const current = await repo.seriesById(id)
        if (!current || current.agencyId !== agency.id) throw notFound('SERIES_NOT_FOUND', 'The series')
        if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
        if (current.status === 'cancelled') throw new AppError('INVALID_TRANSITION', 'The series is already cancelled')
        const now = ctx.clock.now()
        const updated = await repo.updateSeriesVersioned(agency.id, id, current.version, { status: 'cancelled', updatedAt: now })
        if (!updated) throw preconditionFailed()
        const cancelled: OutboxEntry[] = []
        for (const e of await repo.occurrencesOf(agency.id, id))
          if (e.startsAt.getTime() >= now.getTime() && (e.status === 'scheduled' || e.status === 'postponed' || e.status === 'draft')) {
            const row = await repo.updateOccurrence(agency.id, e.id, { status: 'cancelled', statusReason: reason ?? 'The series was cancelled', updatedAt: now })
            if (row) cancelled.push(occurrenceEntry(agency.id, row, 'event.cancelled'))
          }
        await audit.record(ctx, { agencyId: agency.id, action: 'series.cancelled', entityType: 'series', entityId: id })
        // A proposal called off before it was published was never public.
        await repositories.on(tx).outbox.append(ctx, [...cancelled, { agencyId: agency.id, entityType: 'series', entityId: id, action: 'series.cancelled', visibility: current.status === 'draft' ? 'agency' : 'public', payload: { id, version: updated.version } }])
        return updated
      })
      return seriesView(row, agency, ctx.languages)
    },
  }
}
export type SeriesService = ReturnType<typeof createSeriesService>
