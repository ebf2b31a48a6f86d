// Agency and Area: reference data; their relations are loaded per request, one query per agency at most.
import type { AgencyView } from '../../modules/agencies/agencies-service.ts'
import { agencyOf, areaOf, type Loader } from './relation-loaders.ts'

const areasOfAgency: Loader<AgencyView> = async (queries, context) => {
  const areas = await context.areasOf(queries.map((q) => q.obj.id))
  return queries.map((q) => areas.get(q.obj.id) ?? [])
}

export const agencyLoaders = {
  Agency: { areas: areasOfAgency },
  Area: { agency: agencyOf, parent: areaOf('parentId') },
}
