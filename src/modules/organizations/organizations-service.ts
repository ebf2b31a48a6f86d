/** Partner organizations: staff register and change them; everyone may list them; only the right callers see contacts. */
import { canManage, principalOf } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import type { Database, Queryable } from '../../db/client.ts'
import { notFound, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import { createAgenciesRepository } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import { createAuditRepository } from '../audit/audit-repository.ts'
import { claimIdempotencyKey } from '../idempotency/idempotency.ts'
import { decodeCursor, toPage, type Page } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { preconditionFailed, versionMatches, type VersionCondition } from '../shared/versions.ts'
import { organizationView, publicViewer, type OrganizationView, type OrganizationViewer } from './organization-view.ts'
import { createOrganizationsRepository, type OrganizationRow } from './organizations-repository.ts'
import { createOrganizationInput, organizationListQuery, updateOrganizationInput } from './organizations-schemas.ts'

const ORDER = 'organizations:created'

export function createOrganizationsService({ database, agencies }: { database: Database; agencies: AgenciesService }) {
  const { db } = database

  /** What the caller may see of organizations: staff see their agency's contacts, a partner its own. */
  async function viewerOf(ctx: RequestContext): Promise<OrganizationViewer> {
    if (ctx.actor.kind === 'public') return publicViewer
    if (!canManage(ctx.actor) && !ctx.actor.organizationId) return publicViewer
    const agency = await agencies.ofActor(ctx)
    return { agencyId: agency.id, manages: canManage(ctx.actor), organizationId: ctx.actor.organizationId ?? null }
  }

  /** The acting staff member's agency; other callers may read but not change organizations. */
  const managerAgency = (ctx: RequestContext): Promise<AgencyRow> => agencies.managedBy(ctx, 'organizations')

  async function checkAreas(tx: Queryable, agencyId: string, areaIds: string[] | undefined) {
    if (!areaIds?.length) return
    const known = new Set((await createAgenciesRepository(tx).listAreas(agencyId)).map((a) => a.id))
    const problems = areaIds.flatMap((id, i) => (known.has(id) ? [] : [{ field: `areaIds.${i}`, message: 'is not an area of this agency' }]))
    if (problems.length) throw validationFailed(problems)
  }

  const service = {
    async list(ctx: RequestContext, rawQuery: unknown): Promise<Page<OrganizationView>> {
      const query = parseInput(organizationListQuery, rawQuery)
      const { limit, cursor: rawCursor, agency: slug, ...filter } = query
      const cursor = rawCursor ? decodeCursor(rawCursor, ORDER) : undefined
      const agencyId = await agencies.idForFilter(slug)
      if (agencyId === null) return { data: [], nextCursor: null }
      const viewer = await viewerOf(ctx)
      const rows = await createOrganizationsRepository(db).list({ ...filter, agencyId }, cursor, limit)
      return toPage(rows, limit, ORDER, (r) => r.createdAt, (r) => organizationView(r, viewer))
    },

    async get(ctx: RequestContext, id: string): Promise<OrganizationView> {
      if (!isUuid(id)) throw notFound('ORGANIZATION_NOT_FOUND', 'The organization')
      const row = await createOrganizationsRepository(db).byId(id)
      if (!row) throw notFound('ORGANIZATION_NOT_FOUND', 'The organization')
      return organizationView(row, await viewerOf(ctx))
    },

    /** Organizations by id for a relation (events' co-hosts): one query, unknown ids left out. */
    async byIds(ctx: RequestContext, ids: Iterable<string>): Promise<Map<string, OrganizationView>> {
      const unique = [...new Set(ids)].filter(isUuid)
      if (unique.length === 0) return new Map()
      const viewer = await viewerOf(ctx)
      const rows = await createOrganizationsRepository(db).byIds(unique)
      return new Map(rows.map((r) => [r.id, organizationView(r, viewer)]))
    },

    async register(ctx: RequestContext, rawInput: unknown, idempotencyKey?: string): Promise<{ organization: OrganizationView; replayed: boolean }> {
      const agency = await managerAgency(ctx)
      const input = parseInput(createOrganizationInput, rawInput)
      let replayed = false
      const row: OrganizationRow = await db.transaction(async (tx) => {
        const repo = createOrganizationsRepository(tx)
        const now = ctx.clock.now()
        const claim = idempotencyKey
          ? await claimIdempotencyKey(tx, { principal: principalOf(ctx.actor), operation: 'organizations.register', key: idempotencyKey }, rawInput, now)
          : undefined
        if (claim?.replayOf) {
          replayed = true
          const prior = await repo.byId(claim.replayOf)
          if (!prior) throw notFound('ORGANIZATION_NOT_FOUND', 'The organization created with this Idempotency-Key')
          return prior
        }
        await checkAreas(tx, agency.id, input.areaIds)
        const created = await repo.insert({ ...input, contact: input.contact ?? null, agencyId: agency.id, createdAt: now, updatedAt: now })
        await claim?.complete(created.id, 201)
        await createAuditRepository(tx).record(ctx, { agencyId: agency.id, action: 'organization.registered', entityType: 'organization', entityId: created.id })
        return created
      })
      return { organization: organizationView(row, await viewerOf(ctx)), replayed }
    },

    async update(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<OrganizationView> {
      const agency = await managerAgency(ctx)
      const input = parseInput(updateOrganizationInput, rawInput)
      if (!isUuid(id)) throw notFound('ORGANIZATION_NOT_FOUND', 'The organization')
      const row = await db.transaction(async (tx) => {
        const repo = createOrganizationsRepository(tx)
        const current = await repo.byId(id)
        if (!current || current.agencyId !== agency.id) throw notFound('ORGANIZATION_NOT_FOUND', 'The organization')
        if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
        await checkAreas(tx, agency.id, input.areaIds)
        const updated = await repo.updateVersioned(agency.id, id, current.version, { ...input, updatedAt: ctx.clock.now() })
        if (!updated) throw preconditionFailed()
        await createAuditRepository(tx).record(ctx, {
          agencyId: agency.id,
          action: 'organization.updated',
          entityType: 'organization',
          entityId: id,
          // Field names only: the contact's values are personal data and stay out of the audit trail.
          details: { fields: Object.keys(input), version: updated.version },
        })
        return updated
      })
      return organizationView(row, await viewerOf(ctx))
    },
  }
  return service
}
export type OrganizationsService = ReturnType<typeof createOrganizationsService>
