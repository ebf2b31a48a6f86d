// Loaders shared by several types: each runs once per relation per request (batching.ts batches the parents).
import type { GraphQLResolveInfo } from 'graphql'
import { agencyView, type AreaView } from '../../modules/agencies/agencies-service.ts'
import type { GraphqlContext } from './graphql-context.ts'

/** `info`: what the field's selection asks (a nested connection counts its total only when `totalCount` is selected). */
export type Loader<Obj, Params = Record<string, never>> = (queries: { obj: Obj; params: Params; info?: GraphQLResolveInfo }[], context: GraphqlContext) => Promise<unknown[]>

/** The agency of each parent: from the agencies service's cache, or one query for those not in it. */
export const agencyOf: Loader<{ agencyId: string }> = async (queries, context) => {
  const byId = await context.services.agencies.byIds(queries.map((q) => q.obj.agencyId))
  return queries.map((q) => {
    const row = byId.get(q.obj.agencyId)
    return row ? agencyView(row) : null
  })
}

/** The area a parent names under `key`: always one of the parent's agency's areas, loaded once per agency. */
export const areaOf =
  <K extends string>(key: K): Loader<{ agencyId: string } & Record<K, string | null>> =>
  async (queries, context) => {
    const naming = queries.filter((q) => q.obj[key])
    const areas = naming.length ? await context.areasOf(naming.map((q) => q.obj.agencyId)) : new Map<string, AreaView[]>()
    return queries.map((q) => (q.obj[key] ? (areas.get(q.obj.agencyId)?.find((a) => a.id === q.obj[key]) ?? null) : null))
  }
