/** Partner organizations: staff register and change them; everyone may list them; only the right callers see contacts. */
import { canManage } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import type { Database, Queryable } from '../../db/client.ts'
import { notFound, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { Repositories } from '../repositories.ts'
import type { Writes } from '../writes.ts'
import { decodeCursor, noRows, toPage, totalWhen, type CountedPage, type Page } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { preconditionFailed, versionMatches, type VersionCondition } from '../shared/versions.ts'
import { organizationView, publicViewer, type OrganizationView, type OrganizationViewer } from './organization-view.ts'
import type { OrganizationRow } from './organizations-repository.ts'
import { createOrganizationInput, organizationListQuery, updateOrganizationInput } from './organizations-schemas.ts'

const ORDER = 'organizations:created'

export function createOrganizationsService({ database, repositories, writes, agencies }: { database: Database; repositories: Repositories; writes: Writes; agencies: AgenciesService }) {
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
    if (areaIds?.length) requireAreas(areaIds, new Set((await repositories.on(tx).agencies.listAreas(agencyId)).map((a) => a.id)))
  }

  /** Every area named must be one of the agency's (`known`: those of its areas that are among them). */
  function requireAreas(areaIds: string[], known: Set<string>) {
    const problems = areaIds.flatMap((id, i) => (known.has(id) ? [] : [{ field: `areaIds.${i}`, message: 'is not an area of this agency' }]))
    if (problems.length) throw validationFailed(problems)
  }

  const service = {
    async list(ctx: RequestContext, rawQuery: unknown): Promise<CountedPage<OrganizationView>> {
      const query = parseInput(organizationListQuery, rawQuery)
      const { limit, cursor: rawCursor, agency: slug, count, ...filter } = query
      const cursor = rawCursor ? decodeCursor(rawCursor, ORDER) : undefined
      const agencyId = await agencies.idForFilter(slug)
      if (agencyId === null) return { data: [], nextCursor: null, ...(count ? noRows : {}) }
      const viewer = await viewerOf(ctx)
      const [rows, total] = await Promise.all([
        repositories.organizations.list({ ...filter, agencyId }, cursor, limit),
        totalWhen(count, () => repositories.organizations.count({ ...filter, agencyId }, repositories.totalCountCap)),
      ])
      return { ...toPage(rows, limit, ORDER, (r) => r.createdAt, (r) => organizationView(r, viewer)), ...total }
    },

    async get(ctx: RequestContext, id: string): Promise<OrganizationView> {
      if (!isUuid(id)) throw notFound('ORGANIZATION_NOT_FOUND', 'The organization')
      const row = await repositories.organizations.byId(id)
      if (!row) throw notFound('ORGANIZATION_NOT_FOUND', 'The organization')
      return organizationView(row, await viewerOf(ctx))
    },

    /** Organizations by id for a relation (events' co-hosts): one query, unknown ids left out. */
    async byIds(ctx: RequestContext, ids: Iterable<string>): Promise<Map<string, OrganizationView>> {
      const unique = [...new Set(ids)].filter(isUuid)
      if (unique.length === 0) return new Map()
      const viewer = await viewerOf(ctx)
      const rows = await repositories.organizations.byIds(unique)
      return new Map(rows.map((r) => [r.id, organizationView(r, viewer)]))
    },

    async register(ctx: RequestContext, rawInput: unknown, idempotencyKey?: string): Promise<{ organization: OrganizationView; replayed: boolean }> {
      const agency = await managerAgency(ctx)
      const input = parseInput(createOrganizationInput, rawInput)
      // Its area check in one read, then one write (see src/modules/writes.ts).
      const created = await writes.create(ctx, {
        operation: 'organizations.register',
        entityType: 'organization',
        idempotencyKey,
        body: rawInput,
        checks: { areas: input.areaIds?.length ? repositories.agencies.areasInAgencyCheck(agency.id, input.areaIds) : undefined },
        plan: (found, id) => {
          if (input.areaIds?.length) requireAreas(input.areaIds, new Set(found.areas?.map((a) => a.id)))
          const now = ctx.clock.now()
          return {
            row: repositories.organizations.planInsert({ ...input, id, contact: input.contact ?? null, agencyId: agency.id, createdAt: now, updatedAt: now }),
            audit: { agencyId: agency.id, action: 'organization.registered' },
            // Everyone may list organizations; their contacts stay out of the payload.
            outbox: { visibility: 'public', payload: { id, version: 1 } },
          }
        },
      })
      let row: OrganizationRow
      if (created.replayOf !== undefined) {
        const prior = await repositories.organizations.byId(created.replayOf)
        if (!prior) throw notFound('ORGANIZATION_NOT_FOUND', 'The organization created with this Idempotency-Key')
        row = prior
      } else row = created.row
      return { organization: organizationView(row, await viewerOf(ctx)), replayed: created.replayOf !== undefined }
    },

    async update(ctx: RequestContext, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<OrganizationView> {
      const agency = await managerAgency(ctx)
      const input = parseInput(updateOrganizationInput, rawInput)
      if (!isUuid(id)) throw notFound('ORGANIZATION_NOT_FOUND', 'The organization')
      const row = await db.transaction(async (tx) => {
        const { organizations: repo, audit, outbox } = repositories.on(tx)
        const current = await repo.byId(id)
        if (!current || current.agencyId !== agency.id) throw notFound('ORGANIZATION_NOT_FOUND', 'The organization')
        if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
        await checkAreas(tx, agency.id, input.areaIds)
        const updated = await repo.updateVersioned(agency.id, id, current.version, { ...input, updatedAt: ctx.clock.now() })
        if (!updated) throw preconditionFailed()
        await audit.record(ctx, {
          agencyId: agency.id,
          action: 'organization.updated',
          entityType: 'organization',
          entityId: id,
          // Field names only: the contact's values are personal data and stay out of the audit trail.
          details: { fields: Object.keys(input), version: updated.version },
        })
        await outbox.append(ctx, { agencyId: agency.id, entityType: 'organization', entityId: id, action: 'organization.updated', visibility: 'public', payload: { id, version: updated.version } })
        return updated
      })
      return organizationView(row, await viewerOf(ctx))
    },
  }
  return service
}
export type OrganizationsService = ReturnType<typeof createOrganizationsService>
