// Event: fields come straight from the service's EventView; relations are loaded in batches.
import type { EventView, SeriesView } from '../../modules/events/event-view.ts'
import { serviceContext } from './graphql-context.ts'
import { agencyOf, areaOf, type Loader } from './relation-loaders.ts'

type Language = { language?: string | null }

/**
 * The series of each occurrence, in the language asked for or else the one the event is given in. The series
 * service has no batch read yet, so this is one read per distinct series in the batch.
 */
const seriesOf: Loader<EventView, Language> = async (queries, context) => {
  const reads = new Map<string, Promise<SeriesView | Error>>()
  return Promise.all(
    queries.map(({ obj, params }) => {
      if (!obj.seriesId) return null
      const ctx = serviceContext(context, params.language, obj.contentLanguage)
      const key = JSON.stringify([obj.seriesId, ctx.languages])
      // A failed read becomes this field's error, not the whole batch's.
      if (!reads.has(key)) reads.set(key, context.services.series.get(ctx, obj.seriesId).catch((err: Error) => err))
      return reads.get(key)!
    }),
  )
}

/** The co-hosts of every event in the batch: one read of the organizations they name. */
const coHostsOf: Loader<EventView> = async (queries, context) => {
  const byId = await context.services.organizations.byIds(serviceContext(context), queries.flatMap((q) => q.obj.coHostIds))
  return queries.map((q) => q.obj.coHostIds.flatMap((id) => byId.get(id) ?? []))
}

export const eventLoaders = {
  Event: { agency: agencyOf, area: areaOf('areaId'), series: seriesOf, coHosts: coHostsOf },
}

const translationList = (text: Record<string, string>) => Object.entries(text).map(([language, value]) => ({ language, text: value }))

export const eventResolvers = {
  /** Translation maps ({es: "…"}) as typed lists. */
  EventTranslations: {
    title: (t: EventView['translations']) => translationList(t.title),
    description: (t: EventView['translations']) => translationList(t.description),
  },
}
