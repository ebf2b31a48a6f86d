// What every resolver gets: the fastify request (its verified actor), the caller's languages, and per-request memos.
import type { FastifyRequest } from 'fastify'
import type { MercuriusContext } from 'mercurius'
import type { RequestContext } from '../../context.ts'
import type { AreaView } from '../../modules/agencies/agencies-service.ts'
import type { Services } from '../../modules/services.ts'
import { contextOf, parseAcceptLanguage } from '../request-context.ts'

/** What this adapter adds to mercurius's context (declared on MercuriusContext below, as mercurius documents). */
export type GraphqlRequestContext = {
  request: FastifyRequest
  services: Services
  acceptLanguages: string[]
  /** Areas of each agency, loaded once per request and shared by every relation that needs them. */
  areasOf(agencyIds: Iterable<string>): Promise<Map<string, AreaView[]>>
}

declare module 'mercurius' {
  interface MercuriusContext extends GraphqlRequestContext {}
}

export type GraphqlContext = MercuriusContext

/**
 * Mercurius's `context` function. It must not throw: mercurius also calls it to format errors raised before
 * the handler (a bad token), and the actor is already resolved by app.ts's preHandler hook.
 */
export function graphqlContext(request: FastifyRequest, services: Services): GraphqlRequestContext {
  const areas = new Map<string, Promise<AreaView[]>>()
  return {
    request,
    services,
    acceptLanguages: parseAcceptLanguage(request.headers['accept-language']),
    async areasOf(agencyIds) {
      const ids = [...new Set(agencyIds)]
      const missing = ids.filter((id) => !areas.has(id))
      if (missing.length) {
        // One query for every agency not yet loaded in this request.
        const loaded = services.agencies.areasOf(missing)
        for (const id of missing) areas.set(id, loaded.then((byAgency) => byAgency.get(id) ?? []))
      }
      const lists = await Promise.all(ids.map((id) => areas.get(id)!))
      return new Map(ids.map((id, i) => [id, lists[i]!]))
    },
  }
}

/** The service context for one field: its `language` argument (or a parent's) first, then Accept-Language. */
export function serviceContext(context: GraphqlContext, ...preferred: (string | null | undefined)[]): RequestContext {
  const languages = [...new Set([...preferred.filter((l): l is string => Boolean(l)), ...context.acceptLanguages])]
  return contextOf(context.request, languages)
}
