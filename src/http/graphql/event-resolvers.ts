// Event: fields come straight from the service's EventView; relations are loaded in batches.
import type { EventView, SeriesView } from '../../modules/events/event-view.ts'
import { serviceContext } from './graphql-context.ts'
import { agencyOf, areaOf, type Loader } from './relation-loaders.ts'

type Language = { language?: string | null }

/**
 * The series of each occurrence, in the language asked for or else the one the event is given in: one read per
 * language asked for in the batch (usually one).
 */
const seriesOf: Loader<EventView, Language> = async (queries, context) => {
  const byLanguages = new Map<string, { ctx: ReturnType<typeof serviceContext>; ids: string[] }>()
  const keys = queries.map(({ obj, params }) => {
    if (!obj.seriesId) return null
    const ctx = serviceContext(context, params.language, obj.contentLanguage)
    const key = JSON.stringify(ctx.languages)
    const group = byLanguages.get(key) ?? { ctx, ids: [] }
    group.ids.push(obj.seriesId)
    byLanguages.set(key, group)
    return key
  })
  const loaded = new Map<string, Map<string, SeriesView>>()
  for (const [key, { ctx, ids }] of byLanguages) loaded.set(key, await context.services.series.byIds(ctx, ids))
  return queries.map(({ obj }, i) => (obj.seriesId ? (loaded.get(keys[i]!)?.get(obj.seriesId) ?? null) : null))
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
