// Plans kept per request shape, for the read path's two doors: the same request by the same kind of caller plans to
// the same reads (and the repository keeps their built statement). Only plans are kept; data is always read afresh.
import type { FastifyRequest } from 'fastify'
import type { CacheInvalidation } from '../modules/outbox/cache-invalidation.ts'
import { secondSighting } from './admission.ts'

/** As long as the agency cache: a plan holds agency ids resolved from slugs and callers' agencies. */
const PLAN_MS = 60_000
const CACHED_PLANS = 1_000
/** Keys seen once, remembered so that a second sighting is kept (admission.ts's doorkeeper). */
const SEEN_ONCE = 4_096

/** `caches`: a change to any agency (on any instance) empties the cache, since plans hold agencies' ids and rules. */
export function planCache<T>(caches?: Pick<CacheInvalidation, 'on'>) {
  const plans = new Map<string, { plan: T; at: number }>()
  const admit = secondSighting(SEEN_ONCE)
  caches?.on((what) => (what === 'everything' || what.entityType === 'agency') && plans.clear())
  return {
    get(key: string): T | undefined {
      const hit = plans.get(key)
      return hit && performance.now() - hit.at < PLAN_MS ? hit.plan : undefined
    },
    set(key: string, plan: T): void {
      if (!plans.has(key) && !admit(key)) return
      plans.delete(key)
      if (plans.size >= CACHED_PLANS) plans.delete(plans.keys().next().value!)
      plans.set(key, { plan, at: performance.now() })
    },
    size: () => plans.size,
  }
}

/** What a plan depends on about the caller: who may see what (a kind of caller in an agency), not who asks. */
export function sightOf(request: FastifyRequest): string {
  const actor = request.actor
  return actor.kind === 'public' ? 'public' : `${actor.kind}:${actor.agencySlug}:${actor.organizationId ?? ''}`
}
