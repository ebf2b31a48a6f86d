/** Attendance: registration with capacity and a waitlist, check-in with roles, anonymous head counts, and counts anyone may see. */
import { canManage, principalOf } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import type { Database, Queryable } from '../../db/client.ts'
import { AppError, notFound, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import { createAuditRepository } from '../audit/audit-repository.ts'
import type { EventsService } from '../events/events-service.ts'
import { claimIdempotencyKey } from '../idempotency/idempotency.ts'
import { createParticipantsRepository } from '../participants/participants-repository.ts'
import { insertParticipant } from '../participants/participants-service.ts'
import { decodeCursor, toPage, type Page } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { preconditionFailed, versionMatches, type VersionCondition } from '../shared/versions.ts'
import { createAttendanceRepository, type AttendanceCounts, type AttendanceRow } from './attendance-repository.ts'
import { accommodationRequestInput, checkInInput, headCountInput, participantRegistrationInput, registrationListQuery, selfRegistrationInput } from './attendance-schemas.ts'
import { hashOf, newTrackingCode, TRACKING_CODE_PATTERN } from '../follow-up/tracking-code.ts'
import { registrationView, type HeadCountView, type RegistrationView } from './registration-view.ts'
import { createSurveysRepository } from '../surveys/surveys-repository.ts'
import { newSurveyToken, surveyClosesAt } from '../surveys/survey-token.ts'

export type AttendanceSummary = AttendanceCounts & { eventId: string; capacity: number | null; placesLeft: number | null }

const eventNotFound = () => notFound('EVENT_NOT_FOUND', 'The event')

/** Hands out a new one-time survey token for an attendance (its hash kept); however many are handed out, one answer counts. */
async function issueSurveyToken(tx: Queryable, a: { id: string; agencyId: string; eventId: string }): Promise<string> {
  const token = newSurveyToken()
  await createSurveysRepository(tx).issueToken({ attendanceId: a.id, agencyId: a.agencyId, eventId: a.eventId, tokenHash: token.hash })
  return token.code
}

export function createAttendanceService({ database, agencies, events }: { database: Database; agencies: AgenciesService; events: EventsService }) {
  const { db } = database

  /** Staff of the event's agency, or 404 for staff of another; the public must sign in; other roles may not. */
  async function staffOfEvent(ctx: RequestContext, eventAgencyId: string): Promise<AgencyRow> {
    const agency = await agencies.managedBy(ctx, 'attendance')
    if (agency.id !== eventAgencyId) throw eventNotFound()
    return agency
  }

  /** The event locked for a capacity decision, if the caller may see it (drafts only for its agency's staff). */
  async function lockVisibleEvent(ctx: RequestContext, tx: Queryable, eventId: string) {
    if (!isUuid(eventId)) throw eventNotFound()
    const event = await createAttendanceRepository(tx).lockEvent(eventId)
    if (!event) throw eventNotFound()
    if (event.status === 'draft' && !(canManage(ctx.actor) && (await agencies.ofActor(ctx)).id === event.agencyId)) throw eventNotFound()
    return event
  }

  async function namesOf(tx: Queryable, agencyId: string, rows: AttendanceRow[]): Promise<Map<string, string | null>> {
    const people = await createParticipantsRepository(tx).byIds(agencyId, [...new Set(rows.map((r) => r.participantId))])
    return new Map(people.map((p) => [p.id, p.displayName]))
  }

  /** Decides a place for a (re)registration with the event locked: registered while places last, else waitlisted. */
  async function place(tx: Queryable, event: { id: string; capacity: number | null }): Promise<'registered' | 'waitlisted'> {
    if (event.capacity === null) return 'registered'
    return (await createAttendanceRepository(tx).placesTaken(event.id)) < event.capacity ? 'registered' : 'waitlisted'
  }

  /** The live registration a code names, or 404 (a malformed code is looked up no further). */
  async function byCode(code: string): Promise<AttendanceRow> {
    const row = TRACKING_CODE_PATTERN.test(code) ? await createAttendanceRepository(db).byCodeHash(hashOf(code)) : undefined
    if (!row) throw notFound('REGISTRATION_NOT_FOUND', 'No registration for this code')
    return row
  }

  /** Cancels with the event locked, so the freed place and the promotion are decided together. */
  async function cancelWithin(ctx: RequestContext, id: string, agencyId: string, expectedVersion: VersionCondition): Promise<AttendanceRow> {
    return db.transaction(async (tx) => {
      const repo = createAttendanceRepository(tx)
      const found = await repo.byId(id)
      if (!found || found.agencyId !== agencyId) throw notFound('REGISTRATION_NOT_FOUND', 'The registration')
      // Lock the event first, as registration does, so the freed place and the promotion are decided together.
      const event = (await repo.lockEvent(found.eventId))!
      const current = (await repo.byId(id))!
      if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
      if (current.status === 'cancelled') return current
      if (current.status === 'attended') throw new AppError('INVALID_TRANSITION', 'A registration that was checked in cannot be cancelled')
      const now = ctx.clock.now()
      const cancelled = await repo.update(id, { status: 'cancelled', cancelledAt: now, updatedAt: now })
      const audit = createAuditRepository(tx)
      await audit.record(ctx, { agencyId, action: 'attendance.cancelled', entityType: 'attendance', entityId: id, details: { eventId: event.id, fromStatus: current.status } })
      if (current.status === 'registered' && (await place(tx, event)) === 'registered') {
        const next = await repo.firstWaitlisted(event.id)
        if (next) {
          await repo.update(next.id, { status: 'registered', updatedAt: now })
          await audit.record(ctx, { agencyId, action: 'attendance.promoted', entityType: 'attendance', entityId: next.id, details: { eventId: event.id } })
        }
      }
      return cancelled
      })
  }

  const service = {
    /** Counts per event for events the caller can already see (REST checks; GraphQL's parents are visible). */
    async summaries(eventRows: { id: string; capacity: number | null }[]): Promise<Map<string, AttendanceSummary>> {
      const counts = await createAttendanceRepository(db).counts(eventRows.map((e) => e.id))
      return new Map(
        eventRows.map((e) => {
          const c = counts.get(e.id)!
          return [e.id, { eventId: e.id, capacity: e.capacity, placesLeft: e.capacity === null ? null : Math.max(0, e.capacity - c.registered), ...c }]
        }),
      )
    },

    async summary(ctx: RequestContext, eventId: string): Promise<AttendanceSummary> {
      const event = await events.get(ctx, eventId)
      return (await service.summaries([event]))!.get(event.id)!
    },

    /**
     * Registers for an event: anyone for themselves (a participant is created from the form), or staff and partners
     * for a participant on record. Beyond capacity the registration is waitlisted.
     */
    async register(ctx: RequestContext, eventId: string, rawInput: unknown, idempotencyKey?: string): Promise<{ registration: RegistrationView; replayed: boolean; registrationCode: string | null; surveyToken: string | null }> {
      const forParticipant = rawInput !== null && typeof rawInput === 'object' && 'participantId' in rawInput
      const known = forParticipant ? parseInput(participantRegistrationInput, rawInput) : undefined
      const self = forParticipant ? undefined : parseInput(selfRegistrationInput, rawInput)
      if (known && !canManage(ctx.actor) && ctx.actor.kind !== 'partner')
        throw new AppError(ctx.actor.kind === 'public' ? 'UNAUTHENTICATED' : 'FORBIDDEN', 'Only agency staff and partners register a participant on record')
      let replayed = false
      let code: { code: string; hash: string } | undefined
      let surveyToken: string | null = null
      const manages = canManage(ctx.actor)
      const row = await db.transaction(async (tx) => {
        const repo = createAttendanceRepository(tx)
        const claim = idempotencyKey ? await claimIdempotencyKey(tx, { principal: principalOf(ctx.actor), operation: `attendance.register:${eventId}`, key: idempotencyKey }, rawInput, ctx.clock.now()) : undefined
        if (claim?.replayOf) {
          replayed = true
          const prior = await repo.byId(claim.replayOf)
          if (!prior) throw notFound('REGISTRATION_NOT_FOUND', 'The registration created with this Idempotency-Key')
          return prior
        }
        const event = await lockVisibleEvent(ctx, tx, eventId)
        const now = ctx.clock.now()
        if (event.status !== 'scheduled' || !event.registrationRequired || event.startsAt.getTime() <= now.getTime())
          throw new AppError('REGISTRATION_CLOSED', 'Only scheduled events yet to start that take registrations can be registered for')
        let participantId: string
        const offered = new Set(await repo.eventAccommodations(event.id))
        const notOffered = (self?.accommodations ?? []).flatMap((a, i) => (offered.has(a) ? [] : [{ field: `accommodations.${i}`, message: `is not offered at this event (offered: ${[...offered].join(', ') || 'none'}); describe it in accommodationNote` }]))
        if (notOffered.length) throw validationFailed(notOffered)
        if (known) {
          const participant = await createParticipantsRepository(tx).byId(event.agencyId, known.participantId)
          // A partner registers only the participants linked to its organization.
          const mayUse = participant && !participant.erasedAt && (manages ? (await agencies.ofActor(ctx)).id === event.agencyId : participant.organizationId === (ctx.actor as { organizationId?: string }).organizationId)
          if (!mayUse) throw validationFailed([{ field: 'participantId', message: 'is not a participant you may register for this event' }])
          participantId = participant.id
        } else {
          const { demographics, ...person } = self!
          const created = await insertParticipant(tx, event.agencyId, person, now)
          if (demographics) await createParticipantsRepository(tx).putDemographics(event.agencyId, created.id, demographics, now)
          participantId = created.id
        }
        const existing = await repo.of(event.id, participantId)
        if (existing && existing.status !== 'cancelled') throw new AppError('ALREADY_REGISTERED', 'The participant is already registered for this event')
        const status = await place(tx, event)
        const asked = self ? { requestedAccommodations: self.accommodations ?? [], accommodationNote: self.accommodationNote ?? null } : {}
        const values = { status, role: known?.role ?? 'attendee', registeredAt: now, cancelledAt: null, checkedInAt: null, updatedAt: now, ...asked }
        const saved = existing ? await repo.update(existing.id, values) : await repo.insert({ ...values, agencyId: event.agencyId, eventId: event.id, participantId, createdAt: now })
        await claim?.complete(saved.id, 201)
        // Someone registering themselves gets a private code to see, cancel and change their registration without an account.
        if (self) {
          code = newTrackingCode()
          await repo.insertCode({ attendanceId: saved.id, agencyId: event.agencyId, codeHash: code.hash, createdAt: now })
        }
        // The registration's answer carries its survey token: the one chance to hand it over (only its hash is kept).
        surveyToken = await issueSurveyToken(tx, saved)
        await createAuditRepository(tx).record(ctx, { agencyId: event.agencyId, action: 'attendance.registered', entityType: 'attendance', entityId: saved.id, details: { eventId: event.id, status } })
        return saved
      })
      const position = row.status === 'waitlisted' ? ((await createAttendanceRepository(db).waitlistPositions(row.eventId)).get(row.id) ?? null) : null
      const name = manages ? ((await namesOf(db, row.agencyId, [row])).get(row.participantId) ?? null) : null
      return { registration: registrationView(row, name, position), replayed, registrationCode: code?.code ?? null, surveyToken }
    },

    /** Cancels a registration (staff); the place it held goes to the first on the waitlist. */
    async cancel(ctx: RequestContext, id: string, expectedVersion: VersionCondition): Promise<RegistrationView> {
      const agency = await agencies.managedBy(ctx, 'registrations')
      if (!isUuid(id)) throw notFound('REGISTRATION_NOT_FOUND', 'The registration')
      const row = await cancelWithin(ctx, id, agency.id, expectedVersion)
      return registrationView(row, (await namesOf(db, row.agencyId, [row])).get(row.participantId) ?? null, null)
    },

    /** A registrant's own registration, by their private code (no name: the code may travel). */
    async own(ctx: RequestContext, code: string): Promise<RegistrationView> {
      const row = await byCode(code)
      const position = row.status === 'waitlisted' ? ((await createAttendanceRepository(db).waitlistPositions(row.eventId)).get(row.id) ?? null) : null
      return registrationView(row, null, position)
    },

    /**
     * The follow-up: a registrant (by their private code) asks for a survey token after the event, for the message or
     * page that invites them to answer. Cancelled and waitlisted registrations took no part and get none.
     */
    async surveyTokenOf(ctx: RequestContext, code: string): Promise<{ surveyToken: string; eventId: string; closesAt: string }> {
      const found = await byCode(code)
      if (found.status !== 'registered' && found.status !== 'attended') throw new AppError('INVALID_TRANSITION', `A ${found.status} registration has no survey to answer`)
      const [event] = await createAttendanceRepository(db).surveyWindowOf(found.eventId)
      if (!event) throw notFound('REGISTRATION_NOT_FOUND', 'No registration for this code')
      const closesAt = surveyClosesAt(event.endsAt, event.surveyWindowDays)
      if (ctx.clock.now().getTime() >= closesAt.getTime()) throw new AppError('SURVEY_CLOSED', `The survey of this event closed at ${closesAt.toISOString()}`)
      const surveyToken = await db.transaction((tx) => issueSurveyToken(tx, found))
      return { surveyToken, eventId: found.eventId, closesAt: closesAt.toISOString() }
    },

    /** A registrant cancels with their code; the place goes to the first on the waitlist, as when staff cancel. */
    async cancelOwn(ctx: RequestContext, code: string): Promise<RegistrationView> {
      const found = await byCode(code)
      return registrationView(await cancelWithin(ctx, found.id, found.agencyId, 'any'), null, null)
    },

    /** A registrant asks for accommodations (from the event's list) and describes anything else; this replaces the earlier request. */
    async requestAccommodations(ctx: RequestContext, code: string, rawInput: unknown): Promise<RegistrationView> {
      const input = parseInput(accommodationRequestInput, rawInput)
      const found = await byCode(code)
      const row = await db.transaction(async (tx) => {
        const repo = createAttendanceRepository(tx)
        await repo.lockEvent(found.eventId)
        const current = (await repo.byId(found.id))!
        if (current.status === 'cancelled' || current.status === 'attended') throw new AppError('INVALID_TRANSITION', `A ${current.status} registration takes no accommodation requests`)
        const offered = new Set(await repo.eventAccommodations(current.eventId))
        const notOffered = input.accommodations.flatMap((a, i) => (offered.has(a) ? [] : [{ field: `accommodations.${i}`, message: `is not offered at this event (offered: ${[...offered].join(', ') || 'none'}); describe it in note` }]))
        if (notOffered.length) throw validationFailed(notOffered)
        const now = ctx.clock.now()
        const saved = await repo.update(current.id, { requestedAccommodations: input.accommodations, ...(input.note !== undefined ? { accommodationNote: input.note } : {}), updatedAt: now })
        // What was asked for stays out of the audit trail: only that a request changed.
        await createAuditRepository(tx).record(ctx, { agencyId: current.agencyId, action: 'attendance.accommodations_requested', entityType: 'attendance', entityId: current.id, details: { eventId: current.eventId, count: input.accommodations.length } })
        return saved
      })
      const position = row.status === 'waitlisted' ? ((await createAttendanceRepository(db).waitlistPositions(row.eventId)).get(row.id) ?? null) : null
      return registrationView(row, null, position)
    },

    /** Staff: the accommodations asked for at an event, counted by what is offered, with the notes, registered and waitlisted apart. */
    async accommodationRequests(ctx: RequestContext, eventId: string) {
      if (!isUuid(eventId)) throw eventNotFound()
      const event = await events.get(ctx, eventId)
      await staffOfEvent(ctx, event.agencyId)
      const rows = await createAttendanceRepository(db).accommodationRequests(eventId)
      const counted = (status: string) => {
        const n = new Map<string, number>()
        for (const r of rows) if (r.status === status) for (const a of r.accommodations) n.set(a, (n.get(a) ?? 0) + 1)
        return n
      }
      const registered = counted('registered')
      const waitlisted = counted('waitlisted')
      const names = [...new Set([...event.accommodations, ...registered.keys(), ...waitlisted.keys()])]
      return {
        eventId,
        accommodations: names.map((accommodation) => ({ accommodation, offered: event.accommodations.includes(accommodation as never), registered: registered.get(accommodation) ?? 0, waitlisted: waitlisted.get(accommodation) ?? 0 })),
        notes: rows.filter((r) => r.note !== null).map((r) => ({ registrationId: r.id, status: r.status, note: r.note! })),
      }
    },

    /** Checks a participant in (staff), registered or not, with their role at the event. */
    async checkIn(ctx: RequestContext, eventId: string, rawInput: unknown): Promise<RegistrationView & { surveyToken: string }> {
      const input = parseInput(checkInInput, rawInput)
      let surveyToken = ''
      const row = await db.transaction(async (tx) => {
        const event = await lockVisibleEvent(ctx, tx, eventId)
        const agency = await staffOfEvent(ctx, event.agencyId)
        if (event.status !== 'scheduled' && event.status !== 'completed') throw new AppError('INVALID_TRANSITION', `No one can check in to a ${event.status} event`)
        const participant = await createParticipantsRepository(tx).byId(agency.id, input.participantId)
        if (!participant || participant.erasedAt) throw validationFailed([{ field: 'participantId', message: 'is not a participant of this agency' }])
        const repo = createAttendanceRepository(tx)
        const existing = await repo.of(event.id, participant.id)
        const now = ctx.clock.now()
        const saved = existing
          ? await repo.update(existing.id, { status: 'attended', checkedInAt: existing.checkedInAt ?? now, cancelledAt: null, ...(input.role ? { role: input.role } : {}), updatedAt: now })
          : await repo.insert({ agencyId: agency.id, eventId: event.id, participantId: participant.id, status: 'attended', role: input.role ?? 'attendee', checkedInAt: now, createdAt: now, updatedAt: now })
        await createAuditRepository(tx).record(ctx, { agencyId: agency.id, action: 'attendance.checked_in', entityType: 'attendance', entityId: saved.id, details: { eventId: event.id, role: saved.role } })
        // Staff hand the attendee a survey token at check-in (on a card, by text); an earlier one still works, once.
        surveyToken = await issueSurveyToken(tx, saved)
        return saved
      })
      return { ...registrationView(row, (await namesOf(db, row.agencyId, [row])).get(row.participantId) ?? null, null), surveyToken }
    },

    /** Records an anonymous head count (staff), for events where names are not taken. */
    async recordHeadCount(ctx: RequestContext, eventId: string, rawInput: unknown): Promise<HeadCountView> {
      const input = parseInput(headCountInput, rawInput)
      const row = await db.transaction(async (tx) => {
        const event = await lockVisibleEvent(ctx, tx, eventId)
        const agency = await staffOfEvent(ctx, event.agencyId)
        if (event.status === 'draft' || event.status === 'cancelled') throw new AppError('INVALID_TRANSITION', `A ${event.status} event has no one to count`)
        const now = ctx.clock.now()
        const saved = await createAttendanceRepository(tx).insertHeadCount({ agencyId: agency.id, eventId: event.id, count: input.count, countedAt: input.countedAt ?? now, note: input.note ?? null, createdAt: now, updatedAt: now })
        await createAuditRepository(tx).record(ctx, { agencyId: agency.id, action: 'attendance.head_counted', entityType: 'event', entityId: event.id, details: { count: input.count } })
        return saved
      })
      return { id: row.id, eventId: row.eventId, count: row.count, countedAt: row.countedAt.toISOString(), note: row.note, createdAt: row.createdAt.toISOString() }
    },

    /** An event's registrations, names included: its agency's staff only. */
    async listRegistrations(ctx: RequestContext, eventId: string, rawQuery: unknown): Promise<Page<RegistrationView>> {
      const agency = await agencies.managedBy(ctx, 'attendance')
      const query = parseInput(registrationListQuery, rawQuery)
      const event = await events.get(ctx, eventId)
      if (event.agencyId !== agency.id) throw eventNotFound()
      const { limit, cursor: rawCursor, ...filter } = query
      const order = query.updatedSince ? 'registrations:updated' : 'registrations:created'
      const cursor = rawCursor ? decodeCursor(rawCursor, order) : undefined
      const repo = createAttendanceRepository(db)
      const rows = await repo.list(event.id, filter, cursor, limit)
      const page = toPage(rows, limit, order, (r) => (query.updatedSince ? r.updatedAt : r.createdAt), (r) => r)
      const [names, positions] = await Promise.all([namesOf(db, agency.id, page.data), repo.waitlistPositions(event.id)])
      return { data: page.data.map((r) => registrationView(r, names.get(r.participantId) ?? null, positions.get(r.id) ?? null)), nextCursor: page.nextCursor }
    },

    /** Whether the caller may see an event's attendee list (GraphQL hides it, rather than failing, for others). */
    async mayListRegistrations(ctx: RequestContext, eventAgencyId: string): Promise<boolean> {
      return canManage(ctx.actor) && (await agencies.ofActor(ctx)).id === eventAgencyId
    },
  }
  return service
}
export type AttendanceService = ReturnType<typeof createAttendanceService>
