// Public REST views of one event, kept in memory and answered without a statement, exact on every instance: an entry is
// trusted only once every change committed before the request has been heard (heardAll), and every change to an event
// signals its id through the outbox (cache-invalidation.ts). The view is the event's row, its co-hosts and its agency's
// default language: a change to an event, a series or an agency (or a missed signal) drops what it may have changed.
import type { CacheInvalidation } from '../outbox/cache-invalidation.ts'
import { createByteLru } from '../shared/byte-lru.ts'

export type EventView = { body: string; version: number; contentLanguage: string | null; descriptionLanguage: string | null }
export type EventCache = ReturnType<typeof createEventCache>

/** EVENT_CACHE_MB's default: some five thousand events' views (the benchmark's 10,000 kept took 21 MB of RSS). */
export const DEFAULT_EVENT_CACHE_BYTES = 8 * 1024 * 1024
/** What a view costs beside its body's characters: the view object, its event's map of languages, the maps' slots. */
const ENTRY_OVERHEAD_BYTES = 600

/**
 * `maxBytes`: how much the views may take (0: none kept, every read is a statement). `onPrimary`: with a read replica,
 * runs a load on the primary: a view read from a replica behind the change that dropped it would be kept stale.
 */
export function createEventCache({ caches, maxBytes, onPrimary = (load) => load() }: { caches: Pick<CacheInvalidation, 'on' | 'heardAll'>; maxBytes: number; onPrimary?: <T>(load: () => T) => T }) {
  /** Views by event id, each event's by the caller's languages (replaced whole, so its weight is set with it). */
  const views = createByteLru<ReadonlyMap<string, EventView>>(maxBytes)
  /** Reads from the database under way, by event id: a change heard meanwhile marks them, and their view is not kept. */
  const reading = new Map<string, Set<{ stale: boolean }>>()

  const weightOf = (variants: ReadonlyMap<string, EventView>) => {
    let n = 0
    for (const v of variants.values()) n += v.body.length + ENTRY_OVERHEAD_BYTES
    return n
  }
  const markStale = (reads: Iterable<{ stale: boolean }> = []) => {
    for (const read of reads) read.stale = true
  }
  caches.on((what) => {
    if (what !== 'everything' && what.entityType === 'event') {
      views.delete(what.entityId)
      markStale(reading.get(what.entityId))
    } else if (what === 'everything' || what.entityType === 'agency' || what.entityType === 'series') {
      views.clear()
      for (const reads of reading.values()) markStale(reads)
    }
  })
  const keep = (id: string, languages: string, view: EventView) => {
    const variants = new Map(views.get(id)).set(languages, view)
    views.set(id, variants, weightOf(variants))
  }

  return {
    /**
     * The view of event `id` in `languages` (a key of the caller's languages): from memory when kept and nothing since
     * has changed it, else `load`'s (kept for the next read, unless a change was heard while it ran). `fresh`: always load.
     */
    async read(id: string, languages: string, load: () => Promise<EventView | undefined>, fresh = false): Promise<EventView | undefined> {
      if (maxBytes === 0 || fresh) return load()
      if (views.get(id)?.has(languages)) {
        // While the listen is down a change may have gone unheard: the entry is not trusted, the database answers.
        const heard = await caches.heardAll().then(() => true, () => false)
        const hit = heard ? views.get(id)?.get(languages) : undefined
        if (hit) return hit
      }
      const read = { stale: false }
      const reads = reading.get(id) ?? new Set()
      reading.set(id, reads.add(read))
      try {
        const view = await onPrimary(load)
        if (view && !read.stale) keep(id, languages, view)
        return view
      } finally {
        reads.delete(read)
        if (reads.size === 0) reading.delete(id)
      }
    },
    /** Bytes the views take now. */
    size: () => views.bytes,
  }
}
