/** Benchmarks: norm tables an agency imports and its community-trust figures placed against them, and opt-in pooling of item aggregates. */
import { randomUUID } from 'node:crypto'
import { canManage } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import type { NormItem } from '../../db/schema/index.ts'
import { AppError, notFound, validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import { trustPrinciples, type CommunityTrustRow, type PrincipleFigures } from '../insights/community-trust.ts'
import { buildContactKindTrust, type ContactKindTrustRow } from '../insights/contact-kind-trust.ts'
import type { Published } from '../insights/insight-tables.ts'
import type { CommunityTrustAnswer, InsightsService } from '../insights/insights-service.ts'
import type { Repositories } from '../repositories.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import type { NormTableRow } from './benchmarks-repository.ts'
import { contactKindQuery, normListQuery, normTableInput, pooledQuery, poolingInput } from './benchmarks-schemas.ts'
import { codeOf, ITEM_SCALE, surveyItems, type ItemCode } from './survey-items.ts'

type Principle = (typeof trustPrinciples)[number]
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits
const Z95 = 1.96

export const itemsView = surveyItems.map((i) => ({ code: i.code, principle: i.principle, label: i.label, scale: ITEM_SCALE }))

export function normTableView(row: NormTableRow, agencySlug: string) {
  return {
    id: row.id,
    agency: agencySlug,
    name: row.name,
    source: { citation: row.source, url: row.sourceUrl },
    period: { from: row.periodFrom, to: row.periodTo },
    items: row.items,
    createdAt: row.createdAt.toISOString(),
  }
}
export type NormTableView = ReturnType<typeof normTableView>

/** A norm item on the agency's 1–5 scale (linear), with the standard error of its mean from its distribution and n. */
function onItemScale(item: NormItem): { mean: number; standardError: number } {
  const f = (ITEM_SCALE.max - ITEM_SCALE.min) / (item.scale.max - item.scale.min)
  const entries = Object.entries(item.distribution)
  const total = entries.reduce((a, [, s]) => a + s, 0) || 1
  const variance = entries.reduce((a, [v, s]) => a + (s / total) * (Number(v) - item.mean) ** 2, 0)
  return { mean: ITEM_SCALE.min + (item.mean - item.scale.min) * f, standardError: Math.sqrt(variance / item.n) * f }
}

/** The comparison of one row's principle with a norm: shown exactly where the row's own figure is, withheld as it is. */
export type NormComparison = { code: ItemCode; normMean: number; difference: Published; marginOfError: Published; beyondMarginOfError: boolean | null }
export function compareWithNorm(figures: PrincipleFigures, code: ItemCode, item: NormItem): NormComparison {
  const norm = onItemScale(item)
  const estimate = figures.weighted.value ?? figures.unweighted.value
  const moe = figures.marginOfError.value
  if (estimate === null || moe === null) {
    // Withheld (or no answers): the comparison says no more than the figure does.
    const hidden: Published = { value: null, suppressed: figures.unweighted.suppressed ?? figures.marginOfError.suppressed }
    return { code, normMean: round(norm.mean, 2), difference: hidden, marginOfError: hidden, beyondMarginOfError: null }
  }
  const difference = round(estimate - norm.mean, 2)
  // Both are estimates: the difference's margin combines the row's with the norm's own sampling error.
  const margin = round(Math.sqrt(moe ** 2 + (Z95 * norm.standardError) ** 2), 2)
  return { code, normMean: round(norm.mean, 2), difference: { value: difference, suppressed: null }, marginOfError: { value: margin, suppressed: null }, beyondMarginOfError: Math.abs(difference) > margin }
}

const POOLING_METHOD =
  'Each opted-in agency publishes, per item, cycle (in its own time zone) and scope (the agency as a whole, or a top-level area), the figures its public community-trust answer already shows: n is the responses of that row, mean the unweighted mean of those who answered the item. Rows withheld there (suppressed, or under the agency\'s withheld tier) are absent here. The pooled figures are over agency-wide rows only (areas would count answers twice): n is their sum, mean the n-weighted mean of their means.'

export function createBenchmarksService({ database, repositories, agencies, insights }: { database: Database; repositories: Repositories; agencies: AgenciesService; insights: InsightsService }) {
  const { db } = database

  /** Admins and analysts keep the agency's benchmarks. */
  async function keeperAgency(ctx: RequestContext, what: string): Promise<AgencyRow> {
    if (ctx.actor.kind === 'public') throw new AppError('UNAUTHENTICATED', `Sign in as an agency admin or analyst to ${what}`)
    if (ctx.actor.kind !== 'admin' && ctx.actor.kind !== 'analyst') throw new AppError('FORBIDDEN', `Only agency admins and analysts may ${what}`)
    return agencies.ofActor(ctx)
  }


  /**
   * The community-trust answer with each principle's item code; its comparison with a norm table when `norm` names one;
   * and, when `contactKind` is asked for, the same figures cut by the contact's kind (the agency and top-level areas).
   */
  async function communityTrust(ctx: RequestContext, rawQuery: unknown) {
    const { norm: normRef, contactKind, ...rest } = rawQuery && typeof rawQuery === 'object' ? (rawQuery as Record<string, unknown>) : {}
    const answer = await insights.communityTrust(ctx, rest)
    const agency = await agencies.byRef(answer.agency)
    const kinds = contactKind === undefined ? undefined : parseInput(contactKindQuery, { contactKind }).contactKind
    let norm: NormTableRow | undefined
    if (normRef !== undefined) {
      norm = typeof normRef === 'string' && isUuid(normRef) ? await repositories.benchmarks.norm(agency.id, normRef) : undefined
      if (!norm) throw validationFailed([{ field: 'norm', message: 'is not a norm table of this agency' }])
    }
    const itemOf = new Map(norm?.items.map((i) => [i.code, i]))
    const decorate = (principles: Record<Principle, PrincipleFigures>) =>
      Object.fromEntries(
        trustPrinciples.map((p) => {
          const item = itemOf.get(codeOf[p])
          return [p, { ...principles[p], code: codeOf[p], ...(norm ? { norm: item ? compareWithNorm(principles[p], codeOf[p], item) : null } : {}) }]
        }),
      ) as Record<Principle, PrincipleFigures & { code: ItemCode; norm?: NormComparison | null }>
    const rows = answer.rows.map((row) => ({ ...row, principles: decorate(row.principles) }))
    let byContactKind: (Omit<ContactKindTrustRow, 'principles'> & { principles: ReturnType<typeof decorate> })[] | undefined
    if (kinds) {
      // Built whole (every cycle), then selected: the answer's cycles and areas, the kinds asked for.
      const [areas, quarterly, monthly, answers] = await Promise.all([
        repositories.agencies.listAreas(agency.id),
        insights.communityTrust(ctx, { agency: agency.slug, cycle: 'quarter' }),
        insights.communityTrust(ctx, { agency: agency.slug, cycle: 'month' }),
        repositories.benchmarks.answersByContactKind(agency.id, agency.timeZone),
      ])
      const limits = { threshold: answer.suppression.threshold, minResponses: answer.suppression.minResponses, tiers: agency.reliabilityTiers }
      const cut = buildContactKindTrust(areas, answers, [...quarterly.rows, ...monthly.rows], limits)
      const cyclesShown = new Set(answer.rows.map((r) => r.cycle))
      const areasShown = new Set(answer.rows.map((r) => r.area))
      byContactKind = cut.filter((r) => cyclesShown.has(r.cycle) && areasShown.has(r.area) && (kinds as readonly string[]).includes(r.contactKind)).map((r) => ({ ...r, principles: decorate(r.principles) }))
    }
    return {
      ...answer,
      items: itemsView,
      norm: norm ? { id: norm.id, name: norm.name, source: { citation: norm.source, url: norm.sourceUrl }, period: { from: norm.periodFrom, to: norm.periodTo } } : null,
      rows,
      ...(byContactKind ? { byContactKind } : {}),
    }
  }

  return {
    communityTrust,

    /** Imports a norm table (validated whole: every bad field reported at once); admins and analysts. */
    async importNorm(ctx: RequestContext, rawInput: unknown): Promise<NormTableView> {
      const agency = await keeperAgency(ctx, 'import norm tables')
      const input = parseInput(normTableInput, rawInput)
      const row = await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const saved = await repos.benchmarks.insertNorm({ id: randomUUID(), agencyId: agency.id, name: input.name, source: input.source.citation, sourceUrl: input.source.url ?? null, periodFrom: input.period.from, periodTo: input.period.to, items: input.items, createdAt: ctx.clock.now() })
        await repos.audit.record(ctx, { agencyId: agency.id, action: 'norm_table.imported', entityType: 'norm_table', entityId: saved.id, details: { name: input.name, items: input.items.map((i) => i.code) } })
        return saved
      })
      return normTableView(row, agency.slug)
    },

    /** An agency's norm tables, newest first: published survey figures, so a public read as the comparisons are. */
    async listNorms(_ctx: RequestContext, rawQuery: unknown): Promise<NormTableView[]> {
      const query = parseInput(normListQuery, rawQuery)
      const agency = await agencies.byRef(query.agency)
      return (await repositories.benchmarks.listNorms(agency.id)).map((r) => normTableView(r, agency.slug))
    },

    async norm(_ctx: RequestContext, id: string): Promise<NormTableView> {
      const row = isUuid(id) ? await repositories.benchmarks.normById(id) : undefined
      if (!row) throw notFound('NORM_TABLE_NOT_FOUND', 'The norm table')
      const agency = (await agencies.byIds([row.agencyId])).get(row.agencyId)!
      return normTableView(row, agency.slug)
    },

    /** Deletes a norm table of the caller's agency (another agency's is not found); admins and analysts. */
    async removeNorm(ctx: RequestContext, id: string): Promise<void> {
      const agency = await keeperAgency(ctx, 'delete norm tables')
      const gone = isUuid(id) && (await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const deleted = await repos.benchmarks.deleteNorm(agency.id, id)
        if (deleted) await repos.audit.record(ctx, { agencyId: agency.id, action: 'norm_table.deleted', entityType: 'norm_table', entityId: id })
        return deleted
      }))
      if (!gone) throw notFound('NORM_TABLE_NOT_FOUND', 'The norm table')
    },

    /** Whether the agency publishes its item aggregates for pooling (off until an admin turns it on). */
    async pooling(ctx: RequestContext): Promise<PoolingView> {
      if (ctx.actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in as agency staff to read the pooling setting')
      if (!canManage(ctx.actor) && ctx.actor.kind !== 'analyst') throw new AppError('FORBIDDEN', 'Only agency staff, admins and analysts may read the pooling setting')
      const agency = await agencies.ofActor(ctx)
      return poolingView(await repositories.benchmarks.pooling(agency.id))
    },

    /** Opts the agency in or out of pooling, optionally naming its reference norm table; admins only, audited. */
    async changePooling(ctx: RequestContext, rawInput: unknown): Promise<PoolingView> {
      if (ctx.actor.kind === 'public') throw new AppError('UNAUTHENTICATED', 'Sign in as an agency admin to change the pooling setting')
      if (ctx.actor.kind !== 'admin') throw new AppError('FORBIDDEN', 'Only agency admins may change the pooling setting')
      const agency = await agencies.ofActor(ctx)
      const input = parseInput(poolingInput, rawInput)
      const saved = await db.transaction(async (tx) => {
        const repos = repositories.on(tx)
        const before = await repos.benchmarks.pooling(agency.id)
        const normTableId = input.normTable === undefined ? (before?.normTableId ?? null) : input.normTable
        if (normTableId && !(await repos.benchmarks.norm(agency.id, normTableId))) throw validationFailed([{ field: 'normTable', message: 'is not a norm table of this agency' }])
        const row = await repos.benchmarks.savePooling({ agencyId: agency.id, enabled: input.enabled, normTableId, updatedAt: ctx.clock.now() })
        await repos.audit.record(ctx, { agencyId: agency.id, action: 'pooling.changed', entityType: 'agency_pooling', entityId: agency.id, details: { before: poolingView(before), after: poolingView(row) } })
        return row
      })
      return poolingView(saved)
    },

    /**
     * The item aggregates opted-in agencies publish, and their pooled n and n-weighted mean per cycle and item: a public
     * read made only of figures each agency's public community-trust answer already shows.
     */
    async pooledItemAggregates(ctx: RequestContext, rawQuery: unknown) {
      const query = parseInput(pooledQuery, rawQuery)
      const asked = query.agency && new Set(query.agency)
      const items = new Set(query.item ?? surveyItems.map((i) => i.code))
      const members = (await repositories.benchmarks.optedIn()).filter((a) => !asked || asked.has(a.slug))
      const agenciesOut = []
      const rows: PooledRow[] = []
      for (const member of members) {
        const agency = (await agencies.byIds([member.id])).get(member.id)!
        const answer: CommunityTrustAnswer = await insights.communityTrust(ctx, { agency: agency.slug, cycle: query.cycle, ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}) })
        const norm = member.normTableId ? await repositories.benchmarks.norm(agency.id, member.normTableId) : undefined
        agenciesOut.push({ slug: agency.slug, name: agency.name, timeZone: agency.timeZone, tiers: answer.tiers, norm: norm ? { id: norm.id, name: norm.name, source: { citation: norm.source, url: norm.sourceUrl }, period: { from: norm.periodFrom, to: norm.periodTo } } : null })
        for (const row of answer.rows) rows.push(...pooledRowsOf(agency.slug, row, items))
      }
      return { cycle: query.cycle, period: { from: query.from ?? null, to: query.to ?? null }, items: itemsView.filter((i) => items.has(i.code)), agencies: agenciesOut, rows, pooled: poolOf(rows), method: POOLING_METHOD }
    },
  }
}
export type BenchmarksService = ReturnType<typeof createBenchmarksService>

export type PoolingView = { enabled: boolean; normTable: string | null; updatedAt: string | null }
const poolingView = (row: { enabled: boolean; normTableId: string | null; updatedAt: Date } | undefined): PoolingView => ({ enabled: row?.enabled ?? false, normTable: row?.normTableId ?? null, updatedAt: row?.updatedAt.toISOString() ?? null })

export type PooledRow = { agency: string; area: { id: string; code: string; name: string } | null; cycle: string; item: ItemCode; n: number; mean: number }

/** An agency's publishable rows: agency-wide and top-level areas only, where community-trust shows the count and the item's mean. */
export function pooledRowsOf(agency: string, row: CommunityTrustRow, items: ReadonlySet<string>): PooledRow[] {
  if (row.area !== null && row.parentId !== null) return []
  if (row.reliability === 'withheld' || row.responses.value === null) return []
  const area = row.area === null ? null : { id: row.area, code: row.code!, name: row.name! }
  return trustPrinciples.flatMap((p) => {
    const mean = row.principles[p].unweighted.value
    return items.has(codeOf[p]) && mean !== null ? [{ agency, area, cycle: row.cycle, item: codeOf[p], n: row.responses.value!, mean }] : []
  })
}

/** Per cycle and item, over agency-wide rows: the agencies pooled, their summed n and n-weighted mean. */
export function poolOf(rows: readonly PooledRow[]): { cycle: string; item: ItemCode; agencies: number; n: number; mean: number }[] {
  const groups = new Map<string, PooledRow[]>()
  for (const r of rows) if (r.area === null) (groups.get(`${r.cycle}|${r.item}`) ?? groups.set(`${r.cycle}|${r.item}`, []).get(`${r.cycle}|${r.item}`)!).push(r)
  return [...groups.values()]
    .map((g) => {
      const n = g.reduce((a, r) => a + r.n, 0)
      return { cycle: g[0]!.cycle, item: g[0]!.item, agencies: g.length, n, mean: round(g.reduce((a, r) => a + r.n * r.mean, 0) / n, 2) }
    })
    .sort((a, b) => a.cycle.localeCompare(b.cycle) || a.item.localeCompare(b.item))
}
