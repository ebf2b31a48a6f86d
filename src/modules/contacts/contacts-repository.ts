// SQL for surveys after police contact: rules, received-event keys, the once-per-period claim, opt-outs, invitations
// waiting for delivery and the tokens their answers use. Nothing here joins a token, an invitation and a contact.
import { and, eq, inArray, lte, or, sql } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { selectCheck, type Check, type PlannedGate } from '../../db/unit-of-work.ts'
import { areas, contactEvents, contactInvitations, contactOptOuts, contactPersonInvitations, contactSurveyRules, contactSurveyTokens } from '../../db/schema/index.ts'

export type ContactRulesRow = typeof contactSurveyRules.$inferSelect
export type ContactInvitationRow = typeof contactInvitations.$inferSelect
export type ContactTokenFound = { agencyId: string; areaId: string; contactKind: string; language: string; closesAt: Date }

export function createContactsRepository(db: Queryable) {
  return {
    async rulesOf(agencyId: string): Promise<ContactRulesRow | undefined> {
      const [row] = await db.select().from(contactSurveyRules).where(eq(contactSurveyRules.agencyId, agencyId)).limit(1)
      return row
    },

    /** Writes the whole rule set, its version one past the last. */
    async saveRules(values: Omit<ContactRulesRow, 'version'>): Promise<ContactRulesRow> {
      const { agencyId: _agencyId, ...changes } = values
      const [row] = await db
        .insert(contactSurveyRules)
        .values({ ...values, version: 1 })
        .onConflictDoUpdate({ target: contactSurveyRules.agencyId, set: { ...changes, version: sql`${contactSurveyRules.version} + 1` } })
        .returning()
      return row!
    },

    /** The agency's areas named by code or id. */
    areasNamed(agencyId: string, codes: string[], ids: string[]): Promise<{ id: string; code: string }[]> {
      if (codes.length === 0 && ids.length === 0) return Promise.resolve([])
      return db
        .select({ id: areas.id, code: areas.code })
        .from(areas)
        .where(and(eq(areas.agencyId, agencyId), or(codes.length ? inArray(areas.code, codes) : undefined, ids.length ? inArray(areas.id, ids) : undefined)))
    },

    /** Records events by key; returns the keys not seen before (a re-sent event's key is already there). */
    async claimEvents(agencyId: string, keyHashes: string[], receivedOn: string): Promise<Set<string>> {
      if (keyHashes.length === 0) return new Set()
      const rows = await db
        .insert(contactEvents)
        .values(keyHashes.map((keyHash) => ({ agencyId, keyHash, receivedOn })))
        .onConflictDoNothing()
        .returning({ keyHash: contactEvents.keyHash })
      return new Set(rows.map((r) => r.keyHash))
    },

    async optedOut(agencyId: string, personHashes: string[]): Promise<Set<string>> {
      if (personHashes.length === 0) return new Set()
      const rows = await db
        .select({ personHash: contactOptOuts.personHash })
        .from(contactOptOuts)
        .where(and(eq(contactOptOuts.agencyId, agencyId), inArray(contactOptOuts.personHash, personHashes)))
      return new Set(rows.map((r) => r.personHash))
    },

    /**
     * The once-per-period rule as one statement: a person is claimed only if never invited or last invited at least
     * `oncePerDays` before `at`; two batches racing for one person serialize on the row, and one wins.
     */
    async claimPersons(agencyId: string, claims: { personHash: string; at: Date }[], oncePerDays: number): Promise<Set<string>> {
      if (claims.length === 0) return new Set()
      const rows = await db
        .insert(contactPersonInvitations)
        .values(claims.map((c) => ({ agencyId, personHash: c.personHash, lastInvitedAt: c.at })))
        .onConflictDoUpdate({
          target: [contactPersonInvitations.agencyId, contactPersonInvitations.personHash],
          set: { lastInvitedAt: sql`excluded.last_invited_at` },
          setWhere: sql`${contactPersonInvitations.lastInvitedAt} <= excluded.last_invited_at - make_interval(days => ${oncePerDays}::int)`,
        })
        .returning({ personHash: contactPersonInvitations.personHash })
      return new Set(rows.map((r) => r.personHash))
    },

    async insertInvitations(rows: ContactInvitationRow[]): Promise<void> {
      if (rows.length) await db.insert(contactInvitations).values(rows)
    },

    async insertTokens(rows: (typeof contactSurveyTokens.$inferInsert)[]): Promise<void> {
      if (rows.length) await db.insert(contactSurveyTokens).values(rows)
    },

    /** Adds a person to the agency's opt-out list (again: nothing changes). */
    async optOut(agencyId: string, personHash: string, on: string): Promise<void> {
      await db.insert(contactOptOuts).values({ agencyId, personHash, optedOutOn: on }).onConflictDoNothing()
    },

    /** The person a live token was issued to, for the link's opt-out. */
    async personOfToken(tokenHash: string, now: Date): Promise<{ agencyId: string; personHash: string } | undefined> {
      const [row] = await db
        .select({ agencyId: contactSurveyTokens.agencyId, personHash: contactSurveyTokens.personHash })
        .from(contactSurveyTokens)
        .where(and(eq(contactSurveyTokens.tokenHash, tokenHash), sql`${contactSurveyTokens.closesAt} > ${now.toISOString()}::timestamptz`))
        .limit(1)
      return row
    },

    /** Drops a person's unanswered tokens (they opted out: their link stops working too). */
    async dropTokensOf(agencyId: string, personHash: string): Promise<void> {
      await db.delete(contactSurveyTokens).where(and(eq(contactSurveyTokens.agencyId, agencyId), eq(contactSurveyTokens.personHash, personHash)))
    },

    /** What a token's answer carries, for the answer's one read (empty: no such token). */
    tokenCheck(tokenHash: string): Check<ContactTokenFound[]> {
      const fields = { agencyId: contactSurveyTokens.agencyId, areaId: contactSurveyTokens.areaId, contactKind: contactSurveyTokens.contactKind, language: contactSurveyTokens.language, closesAt: contactSurveyTokens.closesAt }
      return selectCheck(fields, contactSurveyTokens, eq(contactSurveyTokens.tokenHash, tokenHash), 1)
    },

    async tokenOf(tokenHash: string): Promise<ContactTokenFound | undefined> {
      const [row] = await db
        .select({ agencyId: contactSurveyTokens.agencyId, areaId: contactSurveyTokens.areaId, contactKind: contactSurveyTokens.contactKind, language: contactSurveyTokens.language, closesAt: contactSurveyTokens.closesAt })
        .from(contactSurveyTokens)
        .where(eq(contactSurveyTokens.tokenHash, tokenHash))
        .limit(1)
      return row
    },

    /** The answer's gate: the token is deleted as the answer is written, so it answers once and leaves no trace to join. */
    consumeGate(tokenHash: string, now: Date): PlannedGate {
      return sql`delete from ${contactSurveyTokens} where token_hash = ${tokenHash} and closes_at > ${now.toISOString()}::timestamptz returning 1`
    },

    async invitation(id: string): Promise<ContactInvitationRow | undefined> {
      const [row] = await db.select().from(contactInvitations).where(eq(contactInvitations.id, id)).limit(1)
      return row
    },

    /** The invitation reached the agency's system: its address and link go. */
    async forgetInvitation(id: string): Promise<void> {
      await db.delete(contactInvitations).where(eq(contactInvitations.id, id))
    },

    /**
     * Deletes invitations and tokens whose window has closed, the once-per-period hashes whose period has passed (the
     * agency's `oncePerDays`, the default without rules), and received-event keys no longer needed; how many of each.
     */
    async sweep(now: Date, defaults: { oncePerDays: number; maxAgeHours: number }): Promise<{ invitations: number; tokens: number; persons: number; events: number }> {
      const defaultOncePerDays = defaults.oncePerDays
      const invitations = await db.delete(contactInvitations).where(lte(contactInvitations.closesAt, now)).returning({ id: contactInvitations.id })
      const tokens = await db.delete(contactSurveyTokens).where(lte(contactSurveyTokens.closesAt, now)).returning({ h: contactSurveyTokens.tokenHash })
      const period = sql`make_interval(days => coalesce((select ${contactSurveyRules.oncePerDays} from ${contactSurveyRules} where ${contactSurveyRules.agencyId} = ${contactPersonInvitations.agencyId}), ${defaultOncePerDays}::int))`
      const persons = await db
        .delete(contactPersonInvitations)
        .where(sql`${contactPersonInvitations.lastInvitedAt} < ${now.toISOString()}::timestamptz - ${period}`)
        .returning({ h: contactPersonInvitations.personHash })
      // A received key is needed while its contact could still be invited: a day past the agency's maxAgeHours, a re-sent
      // event is too old whether or not its key is kept.
      const maxAge = sql`make_interval(hours => coalesce((select ${contactSurveyRules.maxAgeHours} from ${contactSurveyRules} where ${contactSurveyRules.agencyId} = ${contactEvents.agencyId}), ${defaults.maxAgeHours}::int) + 24)`
      const events = await db
        .delete(contactEvents)
        .where(sql`${contactEvents.receivedOn} < (${now.toISOString()}::timestamptz - ${maxAge})::date`)
        .returning({ h: contactEvents.keyHash })
      return { invitations: invitations.length, tokens: tokens.length, persons: persons.length, events: events.length }
    },
  }
}
export type ContactsRepository = ReturnType<typeof createContactsRepository>
