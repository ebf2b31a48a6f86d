// Public REST views of one event, kept in memory and answered without a statement, exact on every instance: an entry is
// trusted only once every change committed before the request has been heard (heardAll), and every change to an event
// signals its id through the outbox (cache-invalidation.ts). The view is the event's row, its co-hosts and its agency's
// default language: a change to an event, a series or an agency (or a missed signal) drops what it may have changed.
import type { CacheInvalidation } from '../outbox/cache-invalidation.ts'

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
  /** Views by event id, then by the caller's languages; the least recently used id first. */
  const views = new Map<string, Map<string, EventView>>()
  let bytes = 0
  /** Reads from the database under way, by event id: a change heard meanwhile marks them, and their view is not kept. */
  const reading = new Map<string, Set<{ stale: boolean }>>()

  const sizeOf = (variants: Map<string, EventView>) => {
    let n = 0
    for (const v of variants.values()) n += v.body.length + ENTRY_OVERHEAD_BYTES
    return n
  }
  const forget = (id: string) => {
    const variants = views.get(id)
    if (variants) bytes -= sizeOf(variants)
    views.delete(id)
    for (const read of reading.get(id) ?? []) read.stale = true
  }
  const forgetAll = () => {
    views.clear()
    bytes = 0
    for (const reads of reading.values()) for (const read of reads) read.stale = true
  }
  caches.on((what) => {
    if (what !== 'everything' && what.entityType === 'event') forget(what.entityId)
    else if (what === 'everything' || what.entityType === 'agency' || what.entityType === 'series') forgetAll()
  })

  function keep(id: string, languages: string, view: EventView) {
    const variants = views.get(id) ?? new Map<string, EventView>()
    bytes -= views.has(id) ? sizeOf(variants) : 0
    views.delete(id)
    variants.set(languages, view)
    views.set(id, variants)
    bytes += sizeOf(variants)
    for (const [oldest, kept] of views) {
      if (bytes <= maxBytes) break
      views.delete(oldest)
      bytes -= sizeOf(kept)
    }
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
        const variants = heard ? views.get(id) : undefined
        const hit = variants?.get(languages)
        if (hit) {
          views.delete(id)
          views.set(id, variants!)
          return hit
        }
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
    size: () => bytes,
  }
}
