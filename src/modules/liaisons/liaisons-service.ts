/**
 * Community liaisons: official and unofficial leaders. Partners propose, staff confirm; the public sees confirmed ones
 * without personal data; the contact is kept only with consent, read by staff only for a purpose (audited), and erasure
 * leaves no trace. Every change appends an outbox row (ids and version only) in its transaction.
 */
import { canManage } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import { AppError, notFound, validationFailed, type FieldError } from '../../errors.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { ContactVisibility } from '../participants/participant-view.ts'
import { contactPurpose, type ContactPurpose } from '../participants/participants-schemas.ts'
import type { Repositories } from '../repositories.ts'
import { decodeCursor, toPage, totalWhen, type CountedPage, type Page } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { preconditionFailed, versionMatches, type VersionCondition } from '../shared/versions.ts'
import { liaisonView, type LiaisonView } from './liaison-view.ts'
import type { LiaisonItemRow, LiaisonRow } from './liaisons-repository.ts'
import { liaisonLinksInput, liaisonListQuery, liaisonStatusInput, proposeLiaisonInput, updateLiaisonInput } from './liaisons-schemas.ts'

/** Who reads: staff (all of their agency's, contact with a purpose), a partner (confirmed and its own proposals), or anyone else (confirmed, public fields). */
type Reader = { kind: 'staff'; agency: AgencyRow } | { kind: 'partner'; agency: AgencyRow; organizationId: string } | { kind: 'public'; agencyId?: string }

const notFoundError = () => notFound('LIAISON_NOT_FOUND', 'The liaison')
const ORDER = 'liaisons:created'

export type LiaisonReachArea = { areaId: string; liaisons: number | null; meetings: number | null; announcements: number | null; suppressed: boolean }

export function createLiaisonsService({ database, repositories, agencies, threshold }: { database: Database; repositories: Repositories; agencies: AgenciesService; threshold: number }) {
  const { db } = database

  async function readerOf(ctx: RequestContext, agencySlug?: string): Promise<Reader> {
    const actor = ctx.actor
    if (canManage(actor)) return { kind: 'staff', agency: await agencies.ofActor(ctx) }
    if (actor.kind === 'partner' && actor.organizationId) return { kind: 'partner', agency: await agencies.ofActor(ctx), organizationId: actor.organizationId }
    if (actor.kind === 'public' || actor.kind === 'partner') {
      const agencyId = await agencies.idForFilter(agencySlug)
      return { kind: 'public', ...(agencyId ? { agencyId } : agencyId === null ? { agencyId: '00000000-0000-4000-8000-000000000000' } : {}) }
    }
    // Analysts read the public listing of their own agency: no individual beyond what the public sees.
    return { kind: 'public', agencyId: (await agencies.ofActor(ctx)).id }
  }

  const sees = (reader: Reader, l: LiaisonItemRow) =>
    reader.kind === 'staff'
      ? l.agencyId === reader.agency.id
      : reader.kind === 'partner'
        ? l.agencyId === reader.agency.id && (l.status === 'confirmed' || l.proposedByOrganizationId === reader.organizationId)
        : l.status === 'confirmed' && (!reader.agencyId || l.agencyId === reader.agencyId)

  const visibilityFor = (reader: Reader, l: LiaisonItemRow, purpose: ContactPurpose | undefined): ContactVisibility =>
    l.erasedAt ? 'erased' : reader.kind !== 'staff' ? 'not_permitted' : purpose ? 'shown' : 'purpose_required'

  /** Views of rows the reader may see; with a purpose, staff see contacts and each read is audited first. */
  async function viewsOf(ctx: RequestContext, reader: Reader, rows: LiaisonRow[], purpose: ContactPurpose | undefined): Promise<LiaisonView[]> {
    if (purpose && reader.kind === 'staff') {
      const read = rows.filter((r) => !r.erasedAt)
      if (read.length)
        await repositories.audit.recordMany(
          ctx,
          // Field names only, never their values.
          read.map((r) => ({ agencyId: r.agencyId, action: 'liaison.contact_read', entityType: 'liaison', entityId: r.id, details: { purpose, fields: (['email', 'phone'] as const).filter((f) => r.contact?.[f]) } })),
          ctx.clock.now(),
        )
    }
    return rows.map((r) => liaisonView(r, visibilityFor(reader, r, purpose), reader.kind === 'staff' || (reader.kind === 'partner' && r.proposedByOrganizationId === reader.organizationId), reader.kind === 'staff'))
  }

  const parsePurpose = (raw: unknown): ContactPurpose | undefined => (raw === undefined || raw === null ? undefined : parseInput(contactPurpose, raw, 'purpose'))
  const staffAgency = (ctx: RequestContext) => agencies.managedBy(ctx, 'liaisons')

  /** Areas and organizations named must be the agency's. */
  async function referenceProblems(agencyId: string, input: { areaIds?: string[]; organizationIds?: string[] }, repos: Repositories): Promise<FieldError[]> {
    const problems: FieldError[] = []
    if (input.areaIds?.length) {
      const known = new Set((await Promise.all(input.areaIds.map((a) => repos.agencies.areaInAgency(a, agencyId)))).flatMap((a) => (a ? [a.id] : [])))
      input.areaIds.forEach((id, i) => known.has(id) || problems.push({ field: `areaIds.${i}`, message: 'is not an area of this agency' }))
    }
    if (input.organizationIds?.length) {
      const known = new Set(await repos.organizations.idsInAgency(agencyId, input.organizationIds))
      input.organizationIds.forEach((id, i) => known.has(id) || problems.push({ field: `organizationIds.${i}`, message: 'is not an organization of this agency' }))
    }
    return problems
  }

  async function loadFor(ctx: RequestContext, reader: Reader, id: string): Promise<LiaisonView> {
    const row = await repositories.liaisons.byId(id)
    if (!row || !sees(reader, row)) throw notFoundError()
    return (await viewsOf(ctx, reader, [row], undefined))[0]!
  }

  const outboxVisibility = (l: LiaisonItemRow) => (l.status === 'confirmed' ? 'public' : 'agency') as 'public' | 'agency'

  /** One guarded change: locks the liaison, checks the version, applies `change`, audits and appends the outbox row. */
  async function change(ctx: RequestContext, agency: AgencyRow, id: string, expectedVersion: VersionCondition, action: string, apply: (repos: Repositories, current: LiaisonItemRow) => Promise<{ updated: LiaisonItemRow; details: Record<string, unknown> }>) {
    if (!isUuid(id)) throw notFoundError()
    await db.transaction(async (tx) => {
      const repos = repositories.on(tx)
      const current = await repos.liaisons.forUpdate(agency.id, id)
      if (!current) throw notFoundError()
      if (current.erasedAt) throw new AppError('LIAISON_ERASED', 'The liaison was erased; their record cannot change')
      if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
      const { updated, details } = await apply(repos, current)
      await repos.audit.record(ctx, { agencyId: agency.id, action, entityType: 'liaison', entityId: id, details: { ...details, version: updated.version } })
      // Public when it was or is confirmed: a public mirror must learn of a liaison leaving its view. Ids only go out.
      const visibility = current.status === 'confirmed' || updated.status === 'confirmed' ? 'public' : 'agency'
      await repos.outbox.append(ctx, { agencyId: agency.id, entityType: 'liaison', entityId: id, action, visibility, payload: { id, version: updated.version } })
    })
  }

  return {
    async list(ctx: RequestContext, rawQuery: unknown): Promise<CountedPage<LiaisonView>> {
      const { limit, cursor: rawCursor, purpose, agency: slug, count, ...filter } = parseInput(liaisonListQuery, rawQuery)
      const cursor = rawCursor ? decodeCursor(rawCursor, ORDER) : undefined
      const reader = await readerOf(ctx, slug)
      const seen = {
        ...filter,
        agencyId: reader.kind === 'public' ? reader.agencyId : reader.agency.id,
        publicOnly: reader.kind === 'public',
        organizationId: reader.kind === 'partner' ? reader.organizationId : null,
      }
      const [rows, total] = await Promise.all([repositories.liaisons.list(seen, cursor, limit), totalWhen(count, () => repositories.liaisons.count(seen, repositories.totalCountCap))])
      const page = toPage(rows, limit, ORDER, (r) => r.createdAt, (r) => r)
      return { data: await viewsOf(ctx, reader, page.data, purpose), nextCursor: page.nextCursor, ...total }
    },

    async get(ctx: RequestContext, id: string, rawPurpose?: unknown): Promise<LiaisonView> {
      const purpose = parsePurpose(rawPurpose)
      if (!isUuid(id)) throw notFoundError()
      const reader = await readerOf(ctx)
      const row = await repositories.liaisons.byId(id)
      if (!row || !sees(reader, row)) throw notFoundError()
      return (await viewsOf(ctx, reader, [row], purpose))[0]!
    },

    /** A partner proposes a liaison (its organization recorded as the proposer); staff may too. Staff then confirm or decline. */
    async propose(ctx: RequestContext, rawInput: unknown): Promise<LiaisonView> {
      const actor = ctx.actor
      if (actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in as agency staff or a partner to propose a liaison')
      if (actor.kind === 'analyst') throw new AppError('FORBIDDEN', 'Analysts read liaisons; they do not propose them')
      if (actor.kind === 'partner' && !actor.organizationId) throw new AppError('FORBIDDEN', 'This partner token names no organization')
      const input = parseInput(proposeLiaisonInput, rawInput)
      const agency = await agencies.ofActor(ctx)
      const proposedByOrganizationId = actor.kind === 'partner' ? actor.organizationId! : null
      const id = await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const problems = await referenceProblems(agency.id, input, repos)
        if (problems.length) throw validationFailed(problems)
        const now = ctx.clock.now()
        const { consents, contact, ...fields } = input
        const row = await repos.liaisons.insert({ ...fields, agencyId: agency.id, contact: contact ?? null, contactConsentAt: consents.contact ? now : null, proposedByOrganizationId, status: 'proposed', createdAt: now, updatedAt: now })
        // Field names only: values are personal data and stay out of the audit trail.
        await repos.audit.record(ctx, { agencyId: agency.id, action: 'liaison.proposed', entityType: 'liaison', entityId: row.id, details: { byPartner: proposedByOrganizationId !== null } })
        await repos.outbox.append(ctx, { agencyId: agency.id, entityType: 'liaison', entityId: row.id, action: 'liaison.proposed', visibility: outboxVisibility(row), payload: { id: row.id, version: row.version } })
        return row.id
      })
      return loadFor(ctx, await readerOf(ctx), id)
    },

    /** Staff confirm or decline a proposal; a declined liaison may be confirmed later, a confirmed one declined. */
    async changeStatus(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<LiaisonView> {
      const agency = await staffAgency(ctx)
      const { status } = parseInput(liaisonStatusInput, rawInput)
      await change(ctx, agency, id, expectedVersion, status === 'confirmed' ? 'liaison.confirmed' : 'liaison.updated', async (repos, current) => {
        if (current.status === status) throw new AppError('INVALID_TRANSITION', `The liaison is already ${status}`)
        return { updated: await repos.liaisons.update(id, { status, updatedAt: ctx.clock.now() }), details: { fromStatus: current.status, toStatus: status } }
      })
      return loadFor(ctx, await readerOf(ctx), id)
    },

    async update(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<LiaisonView> {
      const agency = await staffAgency(ctx)
      const input = parseInput(updateLiaisonInput, rawInput)
      await change(ctx, agency, id, expectedVersion, 'liaison.updated', async (repos, current) => {
        const problems = await referenceProblems(agency.id, input, repos)
        if (problems.length) throw validationFailed(problems)
        const { consents, contact, ...fields } = input
        const now = ctx.clock.now()
        const consented = consents ? consents.contact : current.contactConsentAt !== null
        if (contact && !consented) throw validationFailed([{ field: 'contact', message: 'needs consent to be contacted (consents.contact: true)' }])
        const updated = await repos.liaisons.update(id, {
          ...fields,
          ...(contact !== undefined ? { contact } : {}),
          // Without consent to be contacted, the contact is not kept.
          ...(consents ? (consents.contact ? { contactConsentAt: current.contactConsentAt ?? now } : { contactConsentAt: null, contact: null }) : {}),
          updatedAt: now,
        })
        return { updated, details: { fields: Object.keys(input) } }
      })
      return loadFor(ctx, await readerOf(ctx), id)
    },

    /** Replaces the liaison's roles in events and the announcements spread through them. */
    async setLinks(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<LiaisonView> {
      const agency = await staffAgency(ctx)
      const input = parseInput(liaisonLinksInput, rawInput ?? {})
      const roles = [...new Map(input.events.map((e) => [`${e.eventId}:${e.role}`, e])).values()]
      const announcementIds = [...new Set(input.announcementIds)]
      await change(ctx, agency, id, expectedVersion, 'liaison.updated', async (repos) => {
        const found = await repos.liaisons.linksIn(agency.id, roles.map((r) => r.eventId), announcementIds)
        const problems: FieldError[] = []
        const events = new Set(found.events)
        const announcements = new Set(found.announcements)
        input.events.forEach((e, i) => events.has(e.eventId) || problems.push({ field: `events.${i}.eventId`, message: 'is not an event of this agency' }))
        input.announcementIds.forEach((a, i) => announcements.has(a) || problems.push({ field: `announcementIds.${i}`, message: 'is not an announcement of this agency' }))
        if (problems.length) throw validationFailed(problems)
        await repos.liaisons.setLinks(agency.id, id, roles, announcementIds)
        return { updated: await repos.liaisons.update(id, { updatedAt: ctx.clock.now() }), details: { events: roles.length, announcements: announcementIds.length } }
      })
      return loadFor(ctx, await readerOf(ctx), id)
    },

    /** Removes the liaison from every list (a tombstone: mirrors syncing learn of it through the outbox). */
    async remove(ctx: RequestContext, id: string, expectedVersion: VersionCondition): Promise<void> {
      const agency = await staffAgency(ctx)
      await change(ctx, agency, id, expectedVersion, 'liaison.removed', async (repos) => {
        const now = ctx.clock.now()
        return { updated: await repos.liaisons.update(id, { deletedAt: now, updatedAt: now }), details: {} }
      })
    },

    /** Erases the liaison's personal data for good (a removed one's too): the row keeps only its id, kind and areas, as a tombstone. */
    async erase(ctx: RequestContext, id: string): Promise<void> {
      if (ctx.actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in as an agency admin to erase personal data')
      if (ctx.actor.kind !== 'admin') throw new AppError('FORBIDDEN', 'Only agency admins may erase personal data')
      const agency = await agencies.ofActor(ctx)
      if (!isUuid(id)) throw notFoundError()
      await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const current = await repos.liaisons.forErase(agency.id, id)
        if (!current) throw notFoundError()
        const personal = [current.displayName, current.contact?.email, current.contact?.phone, ...current.communities].filter((v): v is string => Boolean(v))
        const erased = await repos.liaisons.erase(agency.id, id, personal, ctx.clock.now())
        await repos.audit.record(ctx, { agencyId: agency.id, action: 'liaison.erased', entityType: 'liaison', entityId: id, details: {} })
        await repos.outbox.append(ctx, { agencyId: agency.id, entityType: 'liaison', entityId: id, action: 'liaison.removed', visibility: current.status === 'confirmed' ? 'public' : 'agency', payload: { id, version: erased.version } })
      })
    },

    /**
     * Meetings and announcements reached through confirmed liaisons, by area. Counts from 1 to threshold−1 are
     * suppressed (null, `suppressed: true`) as in every other insight; 0 is shown.
     */
    async reach(ctx: RequestContext): Promise<{ data: LiaisonReachArea[]; suppression: { threshold: number } }> {
      const actor = ctx.actor
      if (actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in as an analyst or agency staff to see insights')
      if (actor.kind === 'partner') throw new AppError('FORBIDDEN', 'Insights are for analysts and agency staff')
      const agency = await agencies.ofActor(ctx)
      const small = (n: number) => n > 0 && n < threshold
      const data = (await repositories.liaisons.reachByArea(agency.id)).map((r) => {
        const suppressed = small(r.liaisons) || small(r.meetings) || small(r.announcements)
        const keep = (n: number) => (small(n) ? null : n)
        return { areaId: r.areaId, liaisons: keep(r.liaisons), meetings: keep(r.meetings), announcements: keep(r.announcements), suppressed }
      })
      return { data, suppression: { threshold } }
    },
  }
}
export type LiaisonsService = ReturnType<typeof createLiaisonsService>
