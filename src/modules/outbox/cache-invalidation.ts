/**
 * Tells this instance's caches of what another instance changed: the outbox's NOTIFY (migration 0013) names each change's
 * entity type and id as its transaction commits, before the writer has answered, so the next read on any instance
 * misses the changed entry. Acting on the signal itself (not on rows read back in commit order, as change-stream.ts
 * does) costs no statement and is not held back by older transactions still running. A signal can be missed only while
 * the listen connection is down: every (re)start of the listen empties every cache, and a cache entry also ages out.
 */
import type { Database, Listening } from '../../db/client.ts'
import type { Logger } from '../../context.ts'
import { CHANGE_CHANNEL } from './change-stream.ts'

/** A change another instance (or this one) committed, or `everything` after signals may have been missed. */
export type Invalidation = { entityType: string; entityId: string } | 'everything'
export type CacheInvalidation = ReturnType<typeof createCacheInvalidation>

export function createCacheInvalidation({ database, log }: { database: Database; log?: Logger }) {
  const listeners = new Set<(what: Invalidation) => void>()
  let stop: Listening | undefined
  const emit = (what: Invalidation) => {
    for (const listener of listeners) {
      try {
        listener(what)
      } catch (err) {
        log?.warn({ err }, 'a cache could not be invalidated')
      }
    }
  }
  return {
    /** Calls `listener` on every change signalled; returns a function that stops. */
    on(listener: (what: Invalidation) => void): () => void {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    /**
     * Resolves once every change committed before the call has been signalled to the listeners (rejects while not
     * listening): a cache that awaits it before answering from an entry answers every write acknowledged before.
     */
    heardAll(): Promise<void> {
      return stop ? stop.heardAll() : Promise.reject(new Error('not listening'))
    },
    /** Starts listening (the app does, once ready). */
    async start(): Promise<void> {
      stop ??= await database.listen(CHANGE_CHANNEL, {
        onNotify(payload) {
          const what = parse(payload)
          if (what) emit(what)
        },
        onListening: () => emit('everything'),
      })
    },
    async stop(): Promise<void> {
      const s = stop
      stop = undefined
      await s?.()
    },
  }
}

function parse(payload: string): Invalidation | undefined {
  try {
    const { entityType, entityId } = JSON.parse(payload) as { entityType?: unknown; entityId?: unknown }
    return typeof entityType === 'string' && typeof entityId === 'string' ? { entityType, entityId } : undefined
  } catch {
    return undefined
  }
}
