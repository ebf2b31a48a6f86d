/**
 * Agency administration: a platform operator creates agencies; an agency's admins (or an operator) change its profile
 * and its areas. Every change is audited and appends an outbox row in the same transaction or statement.
 */
import type { RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import { AppError, notFound, validationFailed } from '../../errors.ts'
import type { Repositories } from '../repositories.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { preconditionFailed, versionMatches, type VersionCondition } from '../shared/versions.ts'
import type { Writes } from '../writes.ts'
import type { AgencyRow, AreaRow } from './agencies-repository.ts'
import { agencyView, areaView, type AgenciesService, type AgencyView, type AreaView } from './agencies-service.ts'
import { createAgencyInput, createAreaInput, updateAgencyInput, updateAreaInput } from './agency-schemas.ts'

/** Whether the database refused the write with this SQLSTATE (a race the checks before it could not see). */
const refusedWith = (err: unknown, code: string): boolean => {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) if ((e as { code?: unknown }).code === code) return true
  return false
}
/** A unique index refused the write: another request took the slug or code first. */
const isUniqueViolation = (err: unknown) => refusedWith(err, '23505')

export function createAgencyAdminService({ database, repositories, writes, agencies }: { database: Database; repositories: Repositories; writes: Writes; agencies: AgenciesService }) {
  const { db } = database

  /** The agency `slug` names, if the caller may administer it: its own admins, or a platform operator. */
  async function administered(ctx: RequestContext, slug: string, what: string): Promise<AgencyRow> {
    const { actor } = ctx
    if (actor.kind === 'public') throw new AppError('UNAUTHENTICATED', `Sign in as an agency admin to change ${what}`)
    const mayAdminister = actor.kind === 'operator' || (actor.kind === 'admin' && actor.agencySlug === slug)
    if (!mayAdminister) throw new AppError('FORBIDDEN', `Only the agency's admins or a platform operator may change ${what}`)
    const agency = await agencies.bySlug(slug)
    if (!agency) throw notFound('AGENCY_NOT_FOUND', `Agency ${slug}`)
    return agency
  }

  const areaNotFound = () => notFound('AREA_NOT_FOUND', 'The area')
  const codeTaken = (code: string) => validationFailed([{ field: 'code', message: `is already the code of another area of this agency (${code})` }])
  const parentProblem = (message: string) => validationFailed([{ field: 'parentId', message }])

  const service = {
    /** A new agency: platform operators only. */
    async createAgency(ctx: RequestContext, rawInput: unknown, idempotencyKey?: string): Promise<{ agency: AgencyView; replayed: boolean }> {
      if (ctx.actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in as a platform operator to create an agency')
      if (ctx.actor.kind !== 'operator') throw new AppError('FORBIDDEN', 'Only a platform operator may create an agency')
      const input = parseInput(createAgencyInput, rawInput)
      let created
      try {
        created = await writes.create(ctx, {
          operation: 'agencies.create',
          entityType: 'agency',
          idempotencyKey,
          body: rawInput,
          checks: { slugTaken: repositories.agencies.slugTakenCheck(input.slug) },
          plan: (found, id) => {
            if (found.slugTaken) throw new AppError('CONFLICT', `An agency with slug ${input.slug} already exists`)
            const now = ctx.clock.now()
            return {
              row: repositories.agencies.planInsert({ ...input, id, version: 1, createdAt: now, updatedAt: now }),
              audit: { agencyId: id, action: 'agency.created', details: { slug: input.slug } },
              outbox: { visibility: 'public', payload: { id, version: 1 } },
            }
          },
        })
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('CONFLICT', `An agency with slug ${input.slug} already exists`)
        throw err
      }
      if (created.replayOf !== undefined) {
        const [prior] = await repositories.agencies.byIds([created.replayOf])
        if (!prior) throw notFound('AGENCY_NOT_FOUND', 'The agency created with this Idempotency-Key')
        return { agency: agencyView(prior), replayed: true }
      }
      return { agency: agencyView(created.row), replayed: false }
    },

    /** Changes an agency's profile (name, jurisdiction, time zone, languages, contact). */
    async updateAgency(ctx: RequestContext, slug: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<AgencyView> {
      const agency = await administered(ctx, slug, "the agency's profile")
      const input = parseInput(updateAgencyInput, rawInput)
      const supported = input.supportedLanguages ?? agency.supportedLanguages
      const defaultLanguage = input.defaultLanguage ?? agency.defaultLanguage
      if (!supported.includes(defaultLanguage)) throw validationFailed([{ field: input.defaultLanguage ? 'defaultLanguage' : 'supportedLanguages', message: 'the default language must be one of supportedLanguages' }])
      const updated = await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const [current] = await repos.agencies.byIds([agency.id])
        if (!current) throw notFound('AGENCY_NOT_FOUND', `Agency ${slug}`)
        if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
        const row = await repos.agencies.updateVersioned(agency.id, current.version, { ...input, updatedAt: ctx.clock.now() })
        if (!row) throw preconditionFailed()
        await repos.audit.record(ctx, { agencyId: agency.id, action: 'agency.updated', entityType: 'agency', entityId: agency.id, details: { fields: Object.keys(input).sort(), version: row.version } })
        await repos.outbox.append(ctx, { agencyId: agency.id, entityType: 'agency', entityId: agency.id, action: 'agency.updated', visibility: 'public', payload: { id: agency.id, version: row.version } })
        return row
      })
      agencies.forget(updated)
      return agencyView(updated)
    },

    /** A new area of the agency, within `parentId` if given. */
    async createArea(ctx: RequestContext, slug: string, rawInput: unknown, idempotencyKey?: string): Promise<{ area: AreaView; replayed: boolean }> {
      const agency = await administered(ctx, slug, "the agency's areas")
      const input = parseInput(createAreaInput, rawInput)
      let created
      try {
        created = await writes.create(ctx, {
          operation: 'areas.create',
          entityType: 'area',
          idempotencyKey,
          body: rawInput,
          checks: {
            codeTaken: repositories.agencies.codeTakenCheck(agency.id, input.code),
            parent: input.parentId ? repositories.agencies.areaInAgencyCheck(input.parentId, agency.id) : undefined,
          },
          plan: (found, id) => {
            if (found.codeTaken) throw codeTaken(input.code)
            if (found.parent === false) throw parentProblem('is not an area of this agency')
            const now = ctx.clock.now()
            return {
              row: repositories.agencies.planInsertArea({ ...input, id, agencyId: agency.id, version: 1, createdAt: now, updatedAt: now }),
              audit: { agencyId: agency.id, action: 'area.created', details: { code: input.code, kind: input.kind } },
              outbox: { visibility: 'public', payload: { id, version: 1 } },
            }
          },
        })
      } catch (err) {
        if (isUniqueViolation(err)) throw codeTaken(input.code)
        throw err
      }
      if (created.replayOf !== undefined) {
        const prior = await repositories.agencies.areaInAgency(created.replayOf, agency.id)
        if (!prior) throw notFound('AREA_NOT_FOUND', 'The area created with this Idempotency-Key')
        return { area: areaView(prior), replayed: true }
      }
      return { area: areaView(created.row), replayed: false }
    },

    /** Changes an area: its code, name, kind, boundary, or parent (its descendants move with it; never into itself). */
    async updateArea(ctx: RequestContext, slug: string, id: string, rawInput: unknown, expectedVersion: VersionCondition): Promise<AreaView> {
      const agency = await administered(ctx, slug, "the agency's areas")
      if (!isUuid(id)) throw areaNotFound()
      const input = parseInput(updateAreaInput, rawInput)
      try {
        return await db.transaction(async (tx) => {
          const repos = repositories.on(tx)
          const current = await repos.agencies.areaInAgency(id, agency.id)
          if (!current) throw areaNotFound()
          if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
          if (input.code !== undefined && input.code !== current.code && (await repos.agencies.codeTaken(agency.id, input.code, id))) throw codeTaken(input.code)
          if (input.parentId) {
            const parent = await repos.agencies.areaInAgency(input.parentId, agency.id)
            if (!parent) throw parentProblem('is not an area of this agency')
            if (parent.lineage.includes(id)) throw parentProblem('is the area itself or lies within it')
          }
          const row = await repos.agencies.updateAreaVersioned(agency.id, id, current.version, { ...input, updatedAt: ctx.clock.now() })
          if (!row) throw preconditionFailed()
          await repos.audit.record(ctx, { agencyId: agency.id, action: 'area.updated', entityType: 'area', entityId: id, details: { fields: Object.keys(input).sort(), version: row.version } })
          await repos.outbox.append(ctx, { agencyId: agency.id, entityType: 'area', entityId: id, action: 'area.updated', visibility: 'public', payload: { id, version: row.version } })
          return areaView(row)
        })
      } catch (err) {
        if (isUniqueViolation(err)) throw codeTaken(input.code ?? '')
        throw err
      }
    },

    /** Removes an area nothing refers to: no area within it, no event, series, feedback, decision, participant or organization in it. */
    async removeArea(ctx: RequestContext, slug: string, id: string, expectedVersion: VersionCondition): Promise<void> {
      const agency = await administered(ctx, slug, "the agency's areas")
      if (!isUuid(id)) throw areaNotFound()
      await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const current: AreaRow | undefined = await repos.agencies.areaInAgency(id, agency.id)
        if (!current) throw areaNotFound()
        if (!versionMatches(expectedVersion, current.version)) throw preconditionFailed(current.version)
        const uses = await repos.agencies.areaUses(id)
        if (uses.length) throw new AppError('CONFLICT', `The area is still in use (${uses.join(', ')}); move or remove those first`)
        const removed = await repos.agencies.deleteArea(agency.id, id, current.version).catch((err: unknown) => {
          // A record placed in the area since the check: the foreign key refuses, and so do we.
          if (refusedWith(err, '23503')) throw new AppError('CONFLICT', 'The area came into use while this request ran; retry')
          throw err
        })
        if (!removed) throw preconditionFailed()
        await repos.audit.record(ctx, { agencyId: agency.id, action: 'area.removed', entityType: 'area', entityId: id, details: { code: current.code, version: current.version } })
        await repos.outbox.append(ctx, { agencyId: agency.id, entityType: 'area', entityId: id, action: 'area.removed', visibility: 'public', payload: { id, version: current.version } })
      })
    },
  }
  return service
}
export type AgencyAdminService = ReturnType<typeof createAgencyAdminService>
