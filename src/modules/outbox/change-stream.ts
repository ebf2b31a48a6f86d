// Follows the outbox as transactions commit, on every instance: PostgreSQL's NOTIFY (migration 0012) wakes it, and it
// reads the rows itself in commit order from the last one it delivered, so a signal missed (a database restart, a lost
// connection) loses no change: the next wake-up reads it.
import type { Database } from '../../db/client.ts'
import type { Logger } from '../../context.ts'
import type { Repositories } from '../repositories.ts'
import type { OutboxPosition, OutboxRow } from './outbox-repository.ts'

/** One committed change, as subscribers get it: ids and the change's type only (the outbox holds no personal data). */
export type Change = Pick<OutboxRow, 'id' | 'tx' | 'agencyId' | 'entityType' | 'entityId' | 'action' | 'visibility' | 'occurredAt'>

/** The NOTIFY channel the outbox trigger signals on. */
export const CHANGE_CHANNEL = 'outbox'
/** Rows read per statement while catching up. */
const BATCH = 100
/** A signalled row held back by an older transaction still running is looked for again, waiting this long (doubling). */
const HELD_BACK_MS = { first: 25, max: 1_000 }
/** After a failed read (the database away), the next attempt waits this long unless a signal comes first. */
const RETRY_MS = 1_000

const behind = (a: OutboxPosition | undefined, b: OutboxPosition) => a === undefined || BigInt(a.tx) < BigInt(b.tx) || (a.tx === b.tx && a.id < b.id)

export type ChangeStream = { start(deliver: (change: Change) => void): Promise<() => Promise<void>> }

export function createChangeStream({ database, repositories, log }: { database: Database; repositories: Repositories; log?: Logger }): ChangeStream {
  return {
    /** Delivers every change committed from now on, in commit order, each once; resolves to a function that stops. */
    async start(deliver) {
      let position = await repositories.outbox.lastCommitted()
      /** The furthest row a signal named: reads go on until they reach it. */
      let heard: OutboxPosition | undefined
      /**
       * After (re)starting to listen, signals may have been missed: reads go on until every transaction that could have
       * committed unheard (those below this id) has ended, whether or not it wrote to the outbox.
       */
      let unheardBelow: bigint | undefined
      let reading: Promise<void> | undefined
      let again = false
      let stopped = false
      let timer: NodeJS.Timeout | undefined
      let heldBack = HELD_BACK_MS.first

      const later = (ms: number) => {
        clearTimeout(timer)
        if (!stopped) timer = setTimeout(wake, ms)
      }
      const drain = async () => {
        // Asked before reading: if every unheard transaction has ended by now, the reads below return all their rows.
        const target = unheardBelow
        const caughtUp = target !== undefined && BigInt((await repositories.outbox.horizon()).xmin) >= target
        do {
          again = false
          for (let rows = [] as OutboxRow[]; !stopped; ) {
            rows = await repositories.outbox.readCommitted(position, BATCH)
            for (const { payload: _payload, requestId: _requestId, ...change } of rows) {
              position = { tx: change.tx, id: change.id }
              deliver(change)
            }
            if (rows.length < BATCH) break
          }
        } while (again && !stopped)
        if (caughtUp && unheardBelow === target) unheardBelow = undefined
        if ((heard && behind(position, heard)) || unheardBelow !== undefined) {
          later(heldBack)
          heldBack = Math.min(heldBack * 2, HELD_BACK_MS.max)
        } else heldBack = HELD_BACK_MS.first
      }
      // One read at a time; a signal during a read asks for one more pass after it.
      function wake() {
        if (stopped) return
        if (reading) return void (again = true)
        reading = drain()
          .catch((err: unknown) => {
            log?.warn({ err }, 'reading the outbox for subscribers failed; retrying')
            later(RETRY_MS)
          })
          .finally(() => (reading = undefined))
      }

      /** Every transaction that has committed by now is below xmax: none of those may stay unread. */
      function listenedAgain() {
        if (stopped) return
        repositories.outbox
          .horizon()
          .then(({ xmax }) => {
            if (unheardBelow === undefined || BigInt(xmax) > unheardBelow) unheardBelow = BigInt(xmax)
            wake()
          })
          .catch((err: unknown) => {
            log?.warn({ err }, 'reading the outbox for subscribers failed; retrying')
            setTimeout(listenedAgain, RETRY_MS)
          })
      }

      const unlisten = await database.listen(CHANGE_CHANNEL, {
        onNotify(payload) {
          const signal = parseSignal(payload)
          if (signal && behind(heard, signal)) heard = signal
          wake()
        },
        // On the first listen and after every reconnection: catch up on whatever committed meanwhile.
        onListening: listenedAgain,
      })
      return async () => {
        stopped = true
        clearTimeout(timer)
        await unlisten()
        await reading
      }
    },
  }
}

function parseSignal(payload: string): OutboxPosition | undefined {
  try {
    const { tx, id } = JSON.parse(payload) as { tx?: unknown; id?: unknown }
    return typeof tx === 'string' && /^\d+$/.test(tx) && typeof id === 'number' ? { tx, id } : undefined
  } catch {
    return undefined
  }
}
