// SQL for participants, their demographics and erasure. Every query names the agency, so none can reach another agency's people.
import type { Stamped, Touched } from '../../db/schema/columns.ts'
import { and, asc, eq, getTableColumns, gte, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { plannedInsert, type PlannedInsert } from '../../db/unit-of-work.ts'
import { attendances, auditEvents, feedbackItems, feedbackTransitions, idempotencyKeys, participantDemographics, participants, registrationCodes, surveyInvitations } from '../../db/schema/index.ts'
import { cappedCount, type TotalCount } from '../../db/counting.ts'
import type { Cursor } from '../shared/pagination.ts'
import type { DemographicsInput, ParticipantListQuery } from './participants-schemas.ts'
import { inAreas } from '../agencies/agencies-repository.ts'

export type ParticipantRow = typeof participants.$inferSelect
export type ParticipantInsert = typeof participants.$inferInsert
export type ParticipantFilter = Omit<ParticipantListQuery, 'limit' | 'cursor' | 'count' | 'purpose'> & { agencyId: string }

/** The marker erased free text is replaced with. */
export const ERASED = '[erased]'

/** What a listing holds before its cursor: the agency's participants under the filter, tombstones only when syncing. */
function listConditions(filter: ParticipantFilter): (SQL | undefined)[] {
  const syncing = filter.updatedSince !== undefined
  return [
    eq(participants.agencyId, filter.agencyId),
    syncing ? gte(participants.updatedAt, filter.updatedSince!) : isNull(participants.deletedAt),
    filter.areaId?.length ? inAreas(participants.areaId, filter.areaId) : undefined,
    filter.language?.length ? inArray(participants.preferredLanguage, filter.language) : undefined,
    filter.organizationId ? eq(participants.organizationId, filter.organizationId) : undefined,
    ...(filter.consent ?? []).map((c) =>
      c === 'contact'
        ? and(isNotNull(participants.contactConsentAt), isNull(participants.contactConsentWithdrawnAt))
        : and(isNotNull(participants.dataUseConsentAt), isNull(participants.dataUseConsentWithdrawnAt)),
    ),
  ]
}

export function createParticipantsRepository(db: Queryable) {
  return {
    async byId(agencyId: string, id: string): Promise<ParticipantRow | undefined> {
      const [row] = await db.select().from(participants).where(and(eq(participants.id, id), eq(participants.agencyId, agencyId))).limit(1)
      return row
    },

    /** Participants by id in one query (for a page of registrations). */
    byIds(agencyId: string, ids: string[]): Promise<ParticipantRow[]> {
      if (ids.length === 0) return Promise.resolve([])
      return db.select().from(participants).where(and(eq(participants.agencyId, agencyId), inArray(participants.id, ids)))
    },

    /** Keyset page in creation order, or by last change when syncing (which also returns erased ones as tombstones). */
    list(filter: ParticipantFilter, cursor: Cursor | undefined, limit: number): Promise<ParticipantRow[]> {
      const syncing = filter.updatedSince !== undefined
      const key = syncing ? participants.updatedAt : participants.createdAt
      const where = listConditions(filter)
      if (cursor) where.push(sql`(${key}, ${participants.id}) > (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`)
      return db
        .select()
        .from(participants)
        .where(and(...where))
        .orderBy(asc(key), asc(participants.id))
        .limit(limit + 1)
    },

    /** How many participants list() pages through for `filter`, counted up to `cap` (src/db/counting.ts). */
    count(filter: ParticipantFilter, cap: number): Promise<TotalCount> {
      return cappedCount(db, db.select({ id: participants.id }).from(participants).where(and(...listConditions(filter))), cap)
    },

    async insert(values: ParticipantInsert & Stamped): Promise<ParticipantRow> {
      const [row] = await db.insert(participants).values(values).returning()
      return row!
    },

    /** A new participant, written in a unit of work; its id is chosen by the caller. */
    planInsert(values: ParticipantInsert & Stamped & { id: string }): PlannedInsert<ParticipantRow> {
      return plannedInsert(participants, values, getTableColumns(participants))
    },

    /** Applies a change only if the row still has the expected version (optimistic locking). */
    async updateVersioned(agencyId: string, id: string, expectedVersion: number, changes: Partial<ParticipantInsert> & Touched): Promise<ParticipantRow | undefined> {
      const [row] = await db
        .update(participants)
        .set({ ...changes, version: sql`${participants.version} + 1` })
        .where(and(eq(participants.id, id), eq(participants.agencyId, agencyId), eq(participants.version, expectedVersion), isNull(participants.erasedAt)))
        .returning()
      return row
    },

    /** Replaces the participant's answers (a PUT): answers left out are no longer on record. */
    async putDemographics(agencyId: string, participantId: string, answers: DemographicsInput, now: Date): Promise<void> {
      const values = {
        ageBand: answers.ageBand ?? null,
        gender: answers.gender ?? null,
        raceEthnicity: answers.raceEthnicity ?? null,
        sexualOrientation: answers.sexualOrientation ?? null,
        faith: answers.faith ?? null,
        disability: answers.disability ?? null,
        incomeBand: answers.incomeBand ?? null,
        occupation: answers.occupation ?? null,
      }
      await db
        .insert(participantDemographics)
        .values({ participantId, agencyId, ...values, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: participantDemographics.participantId, set: { ...values, updatedAt: now } })
    },

    /**
     * Removes every trace of a participant's personal data, in the caller's transaction: the row keeps its id (so
     * attendance and feedback still count) with every personal field null; demographics go; their feedback is
     * unlinked and its text replaced; idempotency records and audit details that could hold it are scrubbed.
     * `personal` are the values to scrub wherever free text might have copied them.
     */
    async erase(agencyId: string, id: string, personal: string[], now: Date): Promise<{ counts: { feedbackUnlinked: number; attendances: number }; feedback: { id: string; version: number; visibility: string }[] }> {
      // The audit trail is append-only except in a transaction that declares an erasure (migration 0001).
      await db.execute(sql`select set_config('app.erasure', 'on', true)`)
      await db
        .update(participants)
        .set({
          displayName: null,
          contact: null,
          preferredLanguage: null,
          contactConsentAt: null,
          contactConsentWithdrawnAt: null,
          dataUseConsentAt: null,
          dataUseConsentWithdrawnAt: null,
          areaId: null,
          affiliation: null,
          organizationId: null,
          erasedAt: now,
          deletedAt: now,
          version: sql`${participants.version} + 1`,
          updatedAt: now,
        })
        .where(and(eq(participants.id, id), eq(participants.agencyId, agencyId)))
      await db.delete(participantDemographics).where(eq(participantDemographics.participantId, id))
      // What they wrote may be quoted elsewhere (audit details), so it is scrubbed there too.
      const written = await db.select({ body: feedbackItems.body, publishedBody: feedbackItems.publishedBody }).from(feedbackItems).where(eq(feedbackItems.participantId, id))
      const scrub = [...personal, ...written.flatMap((w) => [w.body, w.publishedBody ?? ''])].filter((p) => p.length >= 3 && p !== ERASED)
      const feedback = await db
        .update(feedbackItems)
        .set({
          participantId: null,
          body: ERASED,
          deidentifiedBody: ERASED,
          publishedBody: sql`case when ${feedbackItems.publishedBody} is null then null else ${ERASED} end`,
          statusReason: null,
          version: sql`${feedbackItems.version} + 1`,
          updatedAt: now,
        })
        .where(and(eq(feedbackItems.participantId, id), eq(feedbackItems.agencyId, agencyId)))
        .returning({ id: feedbackItems.id, version: feedbackItems.version, visibility: feedbackItems.visibility })
      const feedbackIds = feedback.map((f) => f.id)
      // Notes on those items' lifecycle may quote the person.
      if (feedbackIds.length) await db.update(feedbackTransitions).set({ note: null }).where(inArray(feedbackTransitions.feedbackId, feedbackIds))
      // What they asked for at events (their needs, in their words) goes, and so do the codes to their registrations.
      const attended = await db
        .update(attendances)
        .set({ requestedAccommodations: [], accommodationNote: null })
        .where(eq(attendances.participantId, id))
        .returning({ id: attendances.id })
      if (attended.length) await db.delete(registrationCodes).where(inArray(registrationCodes.attendanceId, attended.map((a) => a.id)))
      // Whether they answered a survey goes too (the answers stay: they never named anyone); their tokens go with it.
      if (attended.length) await db.delete(surveyInvitations).where(inArray(surveyInvitations.attendanceId, attended.map((a) => a.id)))
      // A replayed create would hand back the erased record; the stored request hash is derived from personal data.
      await db.delete(idempotencyKeys).where(inArray(idempotencyKeys.resourceId, [id, ...attended.map((a) => a.id), ...feedbackIds]))
      if (scrub.length) {
        const patterns = scrub.map((p) => `%${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
        await db
          .update(auditEvents)
          .set({ details: { erased: true } })
          .where(and(eq(auditEvents.agencyId, agencyId), sql`${auditEvents.details}::text ilike any (array[${sql.join(patterns.map((x) => sql`${x}`), sql`, `)}]::text[])`))
      }
      return { counts: { feedbackUnlinked: feedbackIds.length, attendances: attended.length }, feedback }
    },
  }
}
export type ParticipantsRepository = ReturnType<typeof createParticipantsRepository>
