// Group commit: while `inFlight` statements of a kind are running, the next ones wait and then go together as one
// statement (one round trip, one commit). Under load, a create's fixed costs (the driver's round trip, PostgreSQL's
// per-statement work) are shared by the creates that waited; with nothing running, a statement goes at once, alone.
import type { RenderedSql } from './render-sql.ts'

type Rendering = { text: string; params: unknown[] }
export type Row = Record<string, unknown>

/** One statement that may be sent together with others of its kind. */
export type Member<T> = {
  /** Members of one combined statement share a signature: what each returns has the same columns. */
  signature: string
  /** Members with the same key never share a statement (two claims of one idempotency key wait for each other). */
  key?: string
  /** Sends it on its own, exactly as without group commit. */
  alone(): Promise<T>
  /** Appends its part to a combined statement, each name it declares prefixed with `tag`. */
  part(tag: string, out: Rendering): void
  /** Its own result, read from the combined statement's rows. */
  result(rows: Row[], tag: string, index: number): T
}

/** How a kind's parts make one statement: `open`, the parts joined by ', ', then `close`. */
export type Combination = { open: string; close(tags: string[]): string }

export type GroupCommitLimits = { inFlight: number; members: number }
/**
 * One statement of a kind in flight; under load the rest wait and go sixteen at most together. Bigger batches cost
 * less per create on both sides: 16–19% more creates a second than with two in flight (BENCHMARKS.md, 2026-12-06).
 */
export const DEFAULT_GROUP_COMMIT: GroupCommitLimits = { inFlight: 1, members: 16 }

type Waiting = { member: Member<unknown>; resolve(value: unknown): void; reject(err: unknown): void }

export function groupCommit(send: (statement: RenderedSql) => Promise<Row[]>, combination: Combination, limits: GroupCommitLimits) {
  let running = 0
  const waiting: Waiting[] = []

  /** The oldest waiting member and those of its signature behind it, up to the limit, no two of one key. */
  function take(): Waiting[] {
    const { signature } = waiting[0]!.member
    const batch: Waiting[] = []
    const keys = new Set<string>()
    for (let i = 0; i < waiting.length && batch.length < limits.members; ) {
      const { member } = waiting[i]!
      if (member.signature === signature && !(member.key !== undefined && keys.has(member.key))) {
        batch.push(...waiting.splice(i, 1))
        if (member.key !== undefined) keys.add(member.key)
      } else i++
    }
    return batch
  }

  const settle = (w: Waiting, outcome: () => unknown) => Promise.resolve().then(outcome).then(w.resolve, w.reject)

  async function dispatch(batch: Waiting[]): Promise<void> {
    running++
    try {
      if (batch.length === 1) return await settle(batch[0]!, () => batch[0]!.member.alone())
      const tags = batch.map((_, i) => `g${i}_`)
      let rows: Row[]
      try {
        const out: Rendering = { text: combination.open, params: [] }
        batch.forEach((w, i) => {
          if (i > 0) out.text += ', '
          w.member.part(tags[i]!, out)
        })
        out.text += combination.close(tags)
        rows = await send({ sql: out.text, params: out.params })
      } catch {
        // One statement is all or nothing: nothing was written. Each member runs alone and meets its own outcome.
        await Promise.all(batch.map((w) => settle(w, () => w.member.alone())))
        return
      }
      await Promise.all(batch.map((w, i) => settle(w, () => w.member.result(rows, tags[i]!, i))))
    } finally {
      running--
      next()
    }
  }

  function next(): void {
    while (running < limits.inFlight && waiting.length > 0) void dispatch(take())
  }

  return function run<T>(member: Member<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      waiting.push({ member, resolve: resolve as (value: unknown) => void, reject })
      next()
    })
  }
}
