// Creates as units of work: one read carrying every check, then one statement that claims the idempotency key and
// writes the row, what goes with it, the audit entry and the outbox entry (src/db/unit-of-work.ts does the SQL). Under
// load, concurrent creates' reads and writes go together, a statement each (src/db/group-commit.ts).
import { randomUUID } from 'node:crypto'
import { principalOf } from '../auth/actor.ts'
import type { RequestContext } from '../context.ts'
import type { Database, RenderedSql } from '../db/client.ts'
import { AppError } from '../errors.ts'
import { DEFAULT_GROUP_COMMIT, groupCommit, type GroupCommitLimits } from '../db/group-commit.ts'
import { checksMember, checksTogether, rowCount, writesMember, writesTogether, type Check, type PlannedGate, type PlannedInsert, type PlannedWrite } from '../db/unit-of-work.ts'
import type { AuditEntry } from './audit/audit-repository.ts'
import { keyClaim, priorOf, type KeyClaim } from './idempotency/idempotency.ts'
import type { OutboxEntry } from './outbox/outbox-repository.ts'
import type { Repositories } from './repositories.ts'

type Checked<C> = { [K in keyof C]: NonNullable<C[K]> extends Check<infer T> ? T : never }

/** What a create writes, planned from what its checks found (a plan that finds a problem throws it). */
export type CreatePlan<Row> = {
  row: PlannedInsert<Row>
  /** Writes that go with it: co-hosts, history, feedback it moves along its lifecycle. */
  alongside?: PlannedWrite[]
  audit: Omit<AuditEntry, 'entityId' | 'entityType'>
  outbox: Pick<OutboxEntry, 'visibility' | 'payload'>
}

export type CreateCommand<C, Row> = {
  /** Names the create for idempotency keys, e.g. events.schedule. */
  operation: string
  entityType: string
  idempotencyKey: string | undefined
  /** The request body as sent: a retry with the same key must send the same. */
  body: unknown
  /** Read together in one statement before anything is written; none means no read. */
  checks: C
  plan(found: Checked<C>, id: string): CreatePlan<Row>
  /**
   * A write that must yield a row for the create to go ahead (a one-time token consumed), for creates that claim no
   * idempotency key; when it yields none, `refused()` is thrown.
   */
  gate?: { sql: PlannedGate; refused(): AppError }
}

/** The new row, or the id of the resource a retry with the same key and body created before. */
export type Created<Row> = { row: Row; replayOf?: undefined } | { row?: undefined; replayOf: string }

export function createWrites({ database, repositories, groupCommit: limits = DEFAULT_GROUP_COMMIT }: { database: Database; repositories: Repositories; groupCommit?: GroupCommitLimits }) {
  const send = (statement: RenderedSql) => database.prepared(statement, { group: true })
  const checks = groupCommit(send, checksTogether, limits)
  const writes = groupCommit(send, writesTogether, limits)

  /** The resource a key already claimed stands for, or undefined when the key is free (unknown or expired). */
  async function prior(claim: KeyClaim): Promise<string | undefined> {
    return priorOf(claim, await repositories.idempotency.find(claim.scope))
  }

  return {
    /** How many rows a write of the plan wrote, for the audit entry's details (known only when the statement runs). */
    countOf: rowCount,

    /** Runs one create; the service loads the resource itself when it is a replay. */
    async create<C extends Record<string, Check<unknown> | undefined>, Row>(ctx: RequestContext, command: CreateCommand<C, Row>): Promise<Created<Row>> {
      const now = ctx.clock.now()
      const claim = command.idempotencyKey === undefined ? undefined : keyClaim({ principal: principalOf(ctx.actor), operation: command.operation, key: command.idempotencyKey }, command.body, now)
      const id = randomUUID()
      let plan: CreatePlan<Row>
      try {
        const member = checksMember(database, command.checks)
        plan = command.plan((member ? await checks(member) : {}) as Checked<C>, id)
      } catch (err) {
        // A retry answers what the first request did, even if a check would now fail: look the key up before refusing.
        const replayOf = claim && (await prior(claim))
        if (replayOf) return { replayOf }
        throw err
      }
      const { entityType } = command
      if (claim && command.gate) throw new Error('a create has one gate: an idempotency claim or its own')
      const gate = claim ? repositories.idempotency.claimGate(claim.scope, claim.requestHash, id, 201, now, claim.expiredBefore) : command.gate?.sql
      const planned: [PlannedInsert<Row>, ...PlannedWrite[]] = [
        plan.row,
        ...(plan.alongside ?? []),
        repositories.audit.planRecord(ctx, { ...plan.audit, entityType, entityId: id }),
        repositories.outbox.planAppend(ctx, { agencyId: plan.audit.agencyId, entityType, entityId: id, action: plan.audit.action, ...plan.outbox }),
      ]
      // Two claims of one key never share a statement: the second waits for the first's commit, then replays it.
      const rows = await writes(writesMember(database, gate, planned, claim && JSON.stringify(claim.scope)))
      if (rows) return { row: rows[0]! }
      if (!claim) throw command.gate!.refused()
      // The key is held by an earlier request (it waited here until that one committed): replay it or refuse.
      const replayOf = await prior(claim!)
      // Only a purge racing this request leaves neither: the retry will claim the key afresh.
      if (!replayOf) throw new AppError('IDEMPOTENCY_KEY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry shortly', { retryAfterSeconds: 1 })
      return { replayOf }
    },
  }
}
export type Writes = ReturnType<typeof createWrites>
