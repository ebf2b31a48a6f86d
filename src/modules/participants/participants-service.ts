/** Participants: staff keep a record of the people who take part; contact is read only for a stated purpose, and erasure removes them. */
import { canManage, type Actor } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import { inAgencyScope } from '../../db/agency-scope.ts'
import type { Database, Queryable } from '../../db/client.ts'
import { AppError, notFound, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import { createAgenciesRepository } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import { createAuditRepository } from '../audit/audit-repository.ts'
import { createOrganizationsRepository } from '../organizations/organizations-repository.ts'
import type { Repositories } from '../repositories.ts'
import { decodeCursor, noRows, toPage, totalWhen, type CountedPage, type Page } from '../shared/pagination.ts'
import type { Writes } from '../writes.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { preconditionFailed, versionMatches, type VersionCondition } from '../shared/versions.ts'
import { recordContactReads } from './contact-reads.ts'
import { participantView, type ContactVisibility, type ParticipantView } from './participant-view.ts'
import { createParticipantsRepository, type ParticipantRow } from './participants-repository.ts'
import {
  contactPurpose,
  createParticipantInput,
  demographicsInput,
  participantListQuery,
  updateParticipantInput,
  withdrawConsentInput,
  type ContactPurpose,
  type CreateParticipantInput,
} from './participants-schemas.ts'

/**
 * Who may see participants: the agency's staff and admins all of them, a partner those linked to its organization.
 * The public and analysts never see an individual.
 */
export type ParticipantReader = { agency: AgencyRow; manages: boolean; organizationId: string | null }

const notFoundError = () => notFound('PARTICIPANT_NOT_FOUND', 'The participant')

/** Checks that the area and organization a participant names belong to the agency. */
export async function checkReferences(tx: Queryable, agencyId: string, refs: { areaId?: string | null; organizationId?: string | null }) {
  referenceProblems({
    area: refs.areaId ? Boolean(await createAgenciesRepository(tx).areaInAgency(refs.areaId, agencyId)) : undefined,
    organization: refs.organizationId ? await createOrganizationsRepository(tx).idsInAgency(agencyId, [refs.organizationId]) : undefined,
  })
}

/** The rule of checkReferences on what was found: whether the area is the agency's, which of the organization ids are. */
function referenceProblems(found: { area?: boolean; organization?: unknown[] }) {
  const problems: { field: string; message: string }[] = []
  if (found.area === false) problems.push({ field: 'areaId', message: 'is not an area of this agency' })
  if (found.organization?.length === 0) problems.push({ field: 'organizationId', message: 'is not an organization of this agency' })
  if (problems.length) throw validationFailed(problems)
}

/** A new participant's columns (consents dated `now`). */
const participantValues = (agencyId: string, input: CreateParticipantInput, now: Date) => ({
  agencyId,
  displayName: input.displayName,
  contact: input.contact ?? null,
  preferredLanguage: input.preferredLanguage ?? null,
  contactConsentAt: input.consents.contact ? now : null,
  dataUseConsentAt: input.consents.dataUse ? now : null,
  areaId: input.areaId ?? null,
  affiliation: input.affiliation ?? null,
  organizationId: input.organizationId ?? null,
  createdAt: now,
  updatedAt: now,
})

/** Inserts a participant (consents dated `now`); the caller holds the transaction and writes the audit row. */
export async function insertParticipant(tx: Queryable, agencyId: string, input: CreateParticipantInput, now: Date): Promise<ParticipantRow> {
  await checkReferences(tx, agencyId, input)
  return createParticipantsRepository(tx).insert(participantValues(agencyId, input, now))
}

/** The values erasure scrubs from free text elsewhere. */
const personalValues = (p: ParticipantRow): string[] => [p.displayName, p.contact?.email, p.contact?.phone, p.affiliation].filter((v): v is string => Boolean(v))

export function createParticipantsService({ database, repositories, writes, agencies }: { database: Database; repositories: Repositories; writes: Writes; agencies: AgenciesService }) {
  const { db } = database

  /** The caller as a reader of participants; the public must sign in, analysts see no individual (`hidden`). */
  async function readerOf(ctx: RequestContext): Promise<ParticipantReader | 'hidden'> {
    const actor: Actor = ctx.actor
    if (actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in as agency staff to see participants')
    if (canManage(actor)) return { agency: await agencies.ofActor(ctx), manages: true, organizationId: null }
    if (actor.kind === 'partner' && actor.organizationId) return { agency: await agencies.ofActor(ctx), manages: false, organizationId: actor.organizationId }
    return 'hidden'
  }

  const mayRead = (reader: ParticipantReader, p: ParticipantRow) => p.agencyId === reader.agency.id && (reader.manages || (p.organizationId !== null && p.organizationId === reader.organizationId))

  const visibilityFor = (reader: ParticipantReader, p: ParticipantRow, purpose: ContactPurpose | undefined): ContactVisibility =>
    p.erasedAt ? 'erased' : !reader.manages ? 'not_permitted' : purpose ? 'shown' : 'purpose_required'

  /** Views of rows the reader may see; with a purpose, staff see contacts and each read is audited first. */
  async function viewsOf(ctx: RequestContext, reader: ParticipantReader, rows: ParticipantRow[], purpose: ContactPurpose | undefined): Promise<ParticipantView[]> {
    if (purpose && reader.manages) await recordContactReads(db, ctx, rows, purpose)
    return rows.map((r) => participantView(r, visibilityFor(reader, r, purpose)))
  }

  /** Staff and admins change participants; a partner may for those linked to its organization where `partnerToo`. */
  async function writerOf(ctx: RequestContext, partnerToo = false): Promise<ParticipantReader> {
    if (partnerToo && ctx.actor.kind === 'partner' && ctx.actor.organizationId) return { agency: await agencies.ofActor(ctx), manages: false, organizationId: ctx.actor.organizationId }
    return { agency: await agencies.managedBy(ctx, 'participants'), manages: true, organizationId: null }
  }

  /** Loads a participant the writer may change, or 404; an erased one cannot change. */
  async function loadWritable(tx: Queryable, writer: ParticipantReader, id: string): Promise<ParticipantRow> {
    if (!isUuid(id)) throw notFoundError()
    const row = await createParticipantsRepository(tx).byId(writer.agency.id, id)
    if (!row || !mayRead(writer, row)) throw notFoundError()
    if (row.erasedAt) throw new AppError('PARTICIPANT_ERASED', 'The participant was erased; their record cannot change')
    return row
  }

  const parsePurpose = (raw: unknown): ContactPurpose | undefined => (raw === undefined || raw === null ? undefined : parseInput(contactPurpose, raw, 'purpose'))

  const service = {
    async list(ctx: RequestContext, rawQuery: unknown): Promise<CountedPage<ParticipantView>> {
      const reader = await readerOf(ctx)
      if (reader === 'hidden') throw new AppError('FORBIDDEN', 'Analysts see participation only as aggregates, never individuals')
      const query = parseInput(participantListQuery, rawQuery)
      const { limit, cursor: rawCursor, purpose, count, ...filter } = query
      const order = query.updatedSince ? 'participants:updated' : 'participants:created'
      const cursor = rawCursor ? decodeCursor(rawCursor, order) : undefined
      // A partner's list is its own organization's participants, whatever it asks for.
      if (!reader.manages && filter.organizationId && filter.organizationId !== reader.organizationId) return { data: [], nextCursor: null, ...(count ? noRows : {}) }
      const organizationId = reader.manages ? filter.organizationId : reader.organizationId!
      const seen = { ...filter, organizationId, agencyId: reader.agency.id }
      // One transaction (the agency's row-level scope): its statements run one after the other.
      const [rows, total] = await inAgencyScope(db, reader.agency.id, async (tx) => {
        const repo = createParticipantsRepository(tx)
        const rows = await repo.list(seen, cursor, limit)
        return [rows, await totalWhen(count, () => repo.count(seen, repositories.totalCountCap))] as const
      })
      const page = toPage(rows, limit, order, (r) => (query.updatedSince ? r.updatedAt : r.createdAt), (r) => r)
      return { data: await viewsOf(ctx, reader, page.data, purpose), nextCursor: page.nextCursor, ...total }
    },

    async get(ctx: RequestContext, id: string, rawPurpose?: unknown): Promise<ParticipantView> {
      const purpose = parsePurpose(rawPurpose)
      const reader = await readerOf(ctx)
      if (reader === 'hidden' || !isUuid(id)) throw notFoundError()
      const row = await inAgencyScope(db, reader.agency.id, (tx) => createParticipantsRepository(tx).byId(reader.agency.id, id))
      if (!row || !mayRead(reader, row)) throw notFoundError()
      return (await viewsOf(ctx, reader, [row], purpose))[0]!
    },

    /** Participants by id for a relation (a page of registrations), without contacts; ids the caller may not see are left out. */
    async byIds(ctx: RequestContext, ids: Iterable<string>): Promise<Map<string, ParticipantView>> {
      const unique = [...new Set(ids)].filter(isUuid)
      if (unique.length === 0 || ctx.actor.kind === 'public') return new Map()
      const reader = await readerOf(ctx)
      if (reader === 'hidden') return new Map()
      const rows = (await inAgencyScope(db, reader.agency.id, (tx) => createParticipantsRepository(tx).byIds(reader.agency.id, unique))).filter((r) => mayRead(reader, r))
      return new Map((await viewsOf(ctx, reader, rows, undefined)).map((v) => [v.id, v]))
    },

    /** The contacts of several participants for one stated purpose (GraphQL's `contact(purpose:)`), each read audited. */
    async contactsOf(ctx: RequestContext, ids: string[], rawPurpose: unknown): Promise<Map<string, ParticipantView['contact']>> {
      const purpose = parsePurpose(rawPurpose)
      const reader = await readerOf(ctx)
      if (reader === 'hidden') return new Map()
      const rows = (await inAgencyScope(db, reader.agency.id, (tx) => createParticipantsRepository(tx).byIds(reader.agency.id, [...new Set(ids)].filter(isUuid)))).filter((r) => mayRead(reader, r))
      return new Map((await viewsOf(ctx, reader, rows, purpose)).map((v) => [v.id, v.contact]))
    },

    /** Staff record a participant; a partner records one linked to its own organization. */
    async register(ctx: RequestContext, rawInput: unknown, idempotencyKey?: string): Promise<{ participant: ParticipantView; replayed: boolean }> {
      const writer = await writerOf(ctx, true)
      const parsed = parseInput(createParticipantInput, rawInput)
      if (!writer.manages && parsed.organizationId && parsed.organizationId !== writer.organizationId)
        throw validationFailed([{ field: 'organizationId', message: 'a partner records participants of its own organization only' }])
      const input = writer.manages ? parsed : { ...parsed, organizationId: writer.organizationId! }
      const agencyId = writer.agency.id
      // Its references checked in one read, then one write (see src/modules/writes.ts).
      const created = await writes.create(ctx, {
        operation: 'participants.register',
        entityType: 'participant',
        idempotencyKey,
        body: rawInput,
        checks: {
          area: input.areaId ? repositories.agencies.areaInAgencyCheck(input.areaId, agencyId) : undefined,
          organization: input.organizationId ? repositories.organizations.idsInAgencyCheck(agencyId, [input.organizationId]) : undefined,
        },
        plan: (found, id) => {
          referenceProblems(found)
          return {
            row: repositories.participants.planInsert({ ...participantValues(agencyId, input, ctx.clock.now()), id }),
            audit: { agencyId, action: 'participant.registered' },
            // Personal data: the agency's own, and the payload names no one.
            outbox: { visibility: 'agency', payload: { id, version: 1 } },
          }
        },
      })
      let row: ParticipantRow
      if (created.replayOf !== undefined) {
        const prior = await repositories.participants.byId(agencyId, created.replayOf)
        if (!prior) throw notFound('PARTICIPANT_NOT_FOUND', 'The participant created with this Idempotency-Key')
        row = prior
      } else row = created.row
      return { participant: (await viewsOf(ctx, writer, [row], undefined))[0]!, replayed: created.replayOf !== undefined }
    },

    async update(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<ParticipantView> {
      const writer = await writerOf(ctx)
      const input = parseInput(updateParticipantInput, rawInput)
      const row = await db.transaction(async (tx) => {
        const current = await loadWritable(tx, writer, id)
        if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
        await checkReferences(tx, writer.agency.id, input)
        const { consents, ...rest } = input
        const now = ctx.clock.now()
        const givesContactConsent = consents?.contact === true
        const contactConsented = givesContactConsent || (current.contactConsentAt !== null && current.contactConsentWithdrawnAt === null)
        if (rest.contact && !contactConsented) throw validationFailed([{ field: 'contact', message: 'needs consent to be contacted (consents.contact: true)' }])
        const updated = await createParticipantsRepository(tx).updateVersioned(writer.agency.id, id, current.version, {
          ...rest,
          ...(givesContactConsent ? { contactConsentAt: now, contactConsentWithdrawnAt: null } : {}),
          ...(consents?.dataUse ? { dataUseConsentAt: now, dataUseConsentWithdrawnAt: null } : {}),
          updatedAt: now,
        })
        if (!updated) throw preconditionFailed()
        await createAuditRepository(tx).record(ctx, {
          agencyId: writer.agency.id,
          action: 'participant.updated',
          entityType: 'participant',
          entityId: id,
          // Field names only: the values are personal data and stay out of the audit trail.
          details: { fields: Object.keys(input), version: updated.version },
        })
        return updated
      })
      return (await viewsOf(ctx, writer, [row], undefined))[0]!
    },

    /** Withdraws consent. Without consent to be contacted, the contact is not kept. */
    async withdrawConsent(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<ParticipantView> {
      const writer = await writerOf(ctx)
      const input = parseInput(withdrawConsentInput, rawInput ?? {})
      const row = await db.transaction(async (tx) => {
        const current = await loadWritable(tx, writer, id)
        if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
        const now = ctx.clock.now()
        const updated = await createParticipantsRepository(tx).updateVersioned(writer.agency.id, id, current.version, {
          ...(input.contact ? { contactConsentWithdrawnAt: current.contactConsentWithdrawnAt ?? now, contact: null } : {}),
          ...(input.dataUse ? { dataUseConsentWithdrawnAt: current.dataUseConsentWithdrawnAt ?? now } : {}),
          updatedAt: now,
        })
        if (!updated) throw preconditionFailed()
        const withdrawn = [input.contact && 'contact', input.dataUse && 'dataUse'].filter(Boolean)
        await createAuditRepository(tx).record(ctx, { agencyId: writer.agency.id, action: 'participant.consent_withdrawn', entityType: 'participant', entityId: id, details: { withdrawn, version: updated.version } })
        return updated
      })
      return (await viewsOf(ctx, writer, [row], undefined))[0]!
    },

    /** Records (replaces) voluntary demographics. Write-only: no read ever returns them, only aggregates elsewhere. */
    async recordDemographics(ctx: RequestContext, id: string, rawInput: unknown): Promise<void> {
      const writer = await writerOf(ctx, true)
      const input = parseInput(demographicsInput, rawInput)
      await db.transaction(async (tx) => {
        await loadWritable(tx, writer, id)
        await createParticipantsRepository(tx).putDemographics(writer.agency.id, id, input, ctx.clock.now())
        // Which questions were answered is itself sensitive: the audit row says only that answers were recorded.
        await createAuditRepository(tx).record(ctx, { agencyId: writer.agency.id, action: 'participant.demographics_recorded', entityType: 'participant', entityId: id })
      })
    },

    /** Erases a participant's personal data everywhere (admins). Idempotent: erasing again changes nothing. */
    async erase(ctx: RequestContext, id: string): Promise<ParticipantView> {
      if (ctx.actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in as an agency admin to erase personal data')
      if (ctx.actor.kind !== 'admin') throw new AppError('FORBIDDEN', 'Only agency admins may erase personal data')
      const agency = await agencies.ofActor(ctx)
      const writer: ParticipantReader = { agency, manages: true, organizationId: null }
      if (!isUuid(id)) throw notFoundError()
      const row = await db.transaction(async (tx) => {
        const repo = createParticipantsRepository(tx)
        const current = await repo.byId(agency.id, id)
        if (!current) throw notFoundError()
        if (current.erasedAt) return current
        const { counts, feedback } = await repo.erase(agency.id, id, personalValues(current), ctx.clock.now())
        // Counts only: the erasure is on record without anything it erased.
        await createAuditRepository(tx).record(ctx, { agencyId: agency.id, action: 'participant.erased', entityType: 'participant', entityId: id, details: counts })
        // Their feedback's text is gone wherever it was shown: each item changed (the participant itself never leaves the agency).
        await repositories.on(tx).outbox.append(
          ctx,
          feedback.map((f) => ({ agencyId: agency.id, entityType: 'feedback', entityId: f.id, action: 'feedback.erased', visibility: f.visibility === 'published' ? 'public' : 'agency', payload: { id: f.id, version: f.version } })),
        )
        return (await repo.byId(agency.id, id))!
      })
      return (await viewsOf(ctx, writer, [row], undefined))[0]!
    },
  }
  return service
}
export type ParticipantsService = ReturnType<typeof createParticipantsService>
