/** Agencies and areas: who hosts what, in which zone and languages; resolves a caller's agency. */
import { canManage } from '../../auth/actor.ts'
import { AppError } from '../../errors.ts'
import type { Database } from '../../db/client.ts'
import type { RequestContext } from '../../context.ts'
import { createAgenciesRepository, type AgencyRow, type AreaRow } from './agencies-repository.ts'
import { areaListQuery } from './agency-schemas.ts'
import { isUuid, parseInput } from '../shared/validation.ts'

const CACHE_MS = 60_000

export type AgencyView = ReturnType<typeof agencyView>
export type AreaView = ReturnType<typeof areaView>

export function createAgenciesService({ database }: { database: Database }) {
  const repo = createAgenciesRepository(database.db)
  // Agencies change rarely and every response needs one (zone, default language): keep them briefly in memory.
  const cache = new Map<string, { row: AgencyRow; at: number }>()
  // A cache age is operational, not domain time: performance.now() is monotonic and ignores the clock in ctx.
  const remember = (row: AgencyRow) => {
    cache.set(row.id, { row, at: performance.now() })
    cache.set(`slug:${row.slug}`, { row, at: performance.now() })
    return row
  }
  const fresh = (key: string) => {
    const hit = cache.get(key)
    return hit && performance.now() - hit.at < CACHE_MS ? hit.row : undefined
  }

  const service = {
    /** Drops a changed agency from the cache (every agency without `row`), so this process answers with the change at once. */
    forget(row?: Pick<AgencyRow, 'id'>) {
      if (!row) return cache.clear()
      for (const [key, hit] of cache) if (hit.row.id === row.id) cache.delete(key)
    },

    async bySlug(slug: string): Promise<AgencyRow | undefined> {
      const hit = fresh(`slug:${slug}`)
      if (hit) return hit
      const row = await repo.bySlug(slug)
      return row && remember(row)
    },

    /** The agency a public query names by slug or id; AGENCY_NOT_FOUND when none. */
    async byRef(ref: string): Promise<AgencyRow> {
      const agency = isUuid(ref) ? (await service.byIds([ref])).get(ref) : await service.bySlug(ref)
      if (!agency) throw new AppError('AGENCY_NOT_FOUND', `Agency ${ref} was not found`)
      return agency
    },

    /** A list's `agency` filter as an id: undefined when not given, null for an unknown slug (an empty page, not an error). */
    async idForFilter(slug: string | undefined): Promise<string | undefined | null> {
      if (!slug) return undefined
      return (await service.bySlug(slug))?.id ?? null
    },

    /** Agencies by id, from the cache where possible (one query for the rest). */
    async byIds(ids: Iterable<string>): Promise<Map<string, AgencyRow>> {
      const out = new Map<string, AgencyRow>()
      const missing: string[] = []
      for (const id of new Set(ids)) {
        const hit = fresh(id)
        if (hit) out.set(id, hit)
        else missing.push(id)
      }
      for (const row of await repo.byIds(missing)) out.set(row.id, remember(row))
      return out
    },

    /** The agency a signed-in caller belongs to; a token naming an unknown agency is not accepted. */
    async ofActor(ctx: RequestContext): Promise<AgencyRow> {
      if (ctx.actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in to do this')
      const row = await service.bySlug(ctx.actor.agencySlug)
      if (!row) throw new AppError('UNAUTHENTICATED', 'The token names an agency this server does not host')
      return row
    },

    /** The agency whose records a staff member or admin may change; `what` names the records, for the refusal. */
    /** `verb` says what the caller tried (a read of staff-only records is not a change). */
    async managedBy(ctx: RequestContext, what: string, verb: 'change' | 'read' = 'change'): Promise<AgencyRow> {
      if (ctx.actor.kind === 'public') throw new AppError('UNAUTHENTICATED', `Sign in as agency staff to ${verb} ${what}`)
      if (!canManage(ctx.actor)) throw new AppError('FORBIDDEN', `Only agency staff may ${verb} ${what}`)
      return service.ofActor(ctx)
    },

    async list(): Promise<AgencyView[]> {
      return (await repo.list()).map(agencyView)
    },

    async get(slug: string): Promise<AgencyView> {
      const row = await service.bySlug(slug)
      if (!row) throw new AppError('AGENCY_NOT_FOUND', `Agency ${slug} was not found`)
      return agencyView(row)
    },

    /** Agencies by id as their profiles, read fresh (the change feed shows the version it names, not a cached one). */
    async profilesByIds(ids: string[]): Promise<Map<string, AgencyView>> {
      const rows = await repo.byIds(ids.filter(isUuid))
      return new Map(rows.map((row) => [row.id, agencyView(remember(row))]))
    },

    /** Areas by id, of any agency (public reference data); a removed one is absent. */
    async areasByIds(ids: string[]): Promise<Map<string, AreaView>> {
      const rows = await repo.areasByIds(ids.filter(isUuid))
      return new Map(rows.map((row) => [row.id, areaView(row)]))
    },

    /** The areas of several agencies in one query, keyed by agency id (public reference data). */
    async areasOf(agencyIds: Iterable<string>): Promise<Map<string, AreaView[]>> {
      const ids = [...new Set(agencyIds)]
      const out = new Map<string, AreaView[]>(ids.map((id) => [id, []]))
      for (const row of await repo.listAreasOf(ids)) out.get(row.agencyId)?.push(areaView(row))
      return out
    },

    /** The agency's areas on one page (an agency has tens or hundreds): by kind, or within one area (itself included). */
    async listAreas(slug: string, rawQuery: unknown = {}): Promise<AreaView[]> {
      const query = parseInput(areaListQuery, rawQuery)
      const agency = await service.bySlug(slug)
      if (!agency) throw new AppError('AGENCY_NOT_FOUND', `Agency ${slug} was not found`)
      const rows = await repo.listAreas(agency.id)
      return rows.filter((a) => (!query.kind || query.kind.includes(a.kind)) && (!query.within || a.lineage.includes(query.within))).map(areaView)
    },

    async getArea(slug: string, id: string): Promise<AreaView> {
      const agency = await service.bySlug(slug)
      if (!agency) throw new AppError('AGENCY_NOT_FOUND', `Agency ${slug} was not found`)
      const row = isUuid(id) ? await repo.areaInAgency(id, agency.id) : undefined
      if (!row) throw new AppError('AREA_NOT_FOUND', 'The area was not found')
      return areaView(row)
    },
  }
  return service
}
export type AgenciesService = ReturnType<typeof createAgenciesService>

export function agencyView(a: AgencyRow) {
  return {
    id: a.id,
    slug: a.slug,
    name: a.name,
    jurisdiction: a.jurisdiction,
    timeZone: a.timeZone,
    defaultLanguage: a.defaultLanguage,
    supportedLanguages: a.supportedLanguages,
    contact: a.contact,
    surveyWindowDays: a.surveyWindowDays,
    reliabilityTiers: a.reliabilityTiers,
    version: a.version,
  }
}

export function areaView(a: AreaRow) {
  return { id: a.id, agencyId: a.agencyId, code: a.code, name: a.name, kind: a.kind, parentId: a.parentId, boundary: a.boundary ?? null, population: a.population ?? null, version: a.version }
}
