// Relation loaders become resolvers that batch per request with DataLoader. Mercurius's own loaders key every
// call by JSON-stringifying the parent object, which cost more than the SQL on a page of 50 events.
import DataLoader from 'dataloader'
import type { GraphQLResolveInfo } from 'graphql'
import type { IResolvers } from 'mercurius'
import type { GraphqlContext } from './graphql-context.ts'
import type { Loader } from './relation-loaders.ts'

type Query = { obj: unknown; params: unknown; info: GraphQLResolveInfo }
export type LoaderMap = Record<string, Record<string, Loader<never, never>>>

const perRequest = new WeakMap<object, Map<string, DataLoader<Query, unknown>>>()

/** Resolvers for every `Type.field` loader: all parents asking for a field in one tick go to its loader at once. */
export function batchedResolvers(loaders: LoaderMap): IResolvers {
  const resolvers: Record<string, Record<string, (obj: unknown, params: unknown, context: GraphqlContext, info: GraphQLResolveInfo) => Promise<unknown>>> = {}
  for (const [type, fields] of Object.entries(loaders)) {
    resolvers[type] = {}
    for (const [field, loader] of Object.entries(fields)) {
      const name = `${type}.${field}`
      resolvers[type][field] = (obj, params, context, info) => {
        let batches = perRequest.get(context)
        if (!batches) perRequest.set(context, (batches = new Map()))
        let batch = batches.get(name)
        if (!batch) {
          // No cache: a parent appears once per list, and keys would cost what batching saves.
          batch = new DataLoader<Query, unknown>((queries) => (loader as Loader<unknown, unknown>)([...queries], context), { cache: false })
          batches.set(name, batch)
        }
        return batch.load({ obj, params, info })
      }
    }
  }
  return resolvers as IResolvers
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype

/** Merges resolver maps type by type (a type may have plain fields in one map and batched relations in another). */
export function mergeResolvers(...maps: Record<string, unknown>[]): IResolvers {
  const merged: Record<string, unknown> = {}
  for (const map of maps)
    for (const [type, fields] of Object.entries(map)) {
      const prior = merged[type]
      merged[type] = isPlain(prior) && isPlain(fields) ? { ...prior, ...fields } : fields
    }
  return merged as IResolvers
}
