// Series: fields come straight from the service's SeriesView; relations are loaded in batches.
import type { SeriesView } from '../../modules/events/event-view.ts'
import { eventConnection, pageArguments, pagingNames } from './connections.ts'
import { serviceContext } from './graphql-context.ts'
import { namedAsArguments } from './inputs.ts'
import { agencyOf, areaOf, type Loader } from './relation-loaders.ts'

type OccurrenceArgs = { first?: number | null; after?: string | null; language?: string | null }

/** Each series' occurrences: a page per series (the events service lists one series at a time). */
const occurrencesOf: Loader<SeriesView, OccurrenceArgs> = (queries, context) =>
  Promise.all(
    queries.map(({ obj, params, info }) =>
      namedAsArguments(pagingNames, () =>
        context.services.events.list(serviceContext(context, params.language, obj.contentLanguage), { seriesId: obj.id, ...pageArguments(params, info) }),
      ).then(
        (page) => eventConnection(page, false),
        // A bad cursor fails this series' field, not the whole batch.
        (err: Error) => err,
      ),
    ),
  )

/** The co-hosts of every series in the batch: one read of the organizations they name. */
const coHostsOf: Loader<SeriesView> = async (queries, context) => {
  const byId = await context.services.organizations.byIds(serviceContext(context), queries.flatMap((q) => q.obj.coHostIds))
  return queries.map((q) => q.obj.coHostIds.flatMap((id) => byId.get(id) ?? []))
}

export const seriesLoaders = {
  Series: { agency: agencyOf, area: areaOf('areaId'), occurrences: occurrencesOf, coHosts: coHostsOf },
}
