// Makes creates safe to retry: the first request with a key creates; a repeat with the same body replays it.
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { Queryable } from '../../db/client.ts'
import { AppError } from '../../errors.ts'
import { parseInput } from '../shared/validation.ts'
import { createIdempotencyRepository } from './idempotency-repository.ts'

export const KEY_TTL_HOURS = 24
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1–255 visible ASCII characters')

export type Claim = { replayOf?: string; complete(resourceId: string, statusCode: number): Promise<void> }

/** Canonical JSON: the same body with keys in another order hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object' && !(value instanceof Date))
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
  return JSON.stringify(value) ?? 'null'
}

/**
 * Claims a key inside the caller's transaction. A concurrent request with the same key waits on the
 * unique index until this transaction ends, then replays (or is refused), so only one create happens.
 */
export async function claimIdempotencyKey(db: Queryable, scope: { principal: string; operation: string; key: string }, body: unknown, now: Date): Promise<Claim> {
  const key = parseInput(idempotencyKeySchema, scope.key, 'Idempotency-Key')
  const requestHash = createHash('sha256').update(canonical(body)).digest('hex')
  const keys = createIdempotencyRepository(db)
  const claimScope = { ...scope, key }
  // An expired key is forgotten, so it may be used afresh.
  await keys.deleteExpired(claimScope, expiredBefore(now))
  const claimedId = await keys.insertIfAbsent(claimScope, requestHash, now)
  if (claimedId) return { complete: (resourceId, statusCode) => keys.complete(claimedId, resourceId, statusCode) }
  const prior = await keys.find(claimScope)
  if (!prior || !prior.resourceId) throw new AppError('IDEMPOTENCY_KEY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry shortly', { retryAfterSeconds: 1 })
  if (prior.requestHash !== requestHash)
    throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body')
  return { replayOf: prior.resourceId, complete: async () => {} }
}

/** Drops keys past their time to live at `now`; run periodically. */
export async function purgeExpiredIdempotencyKeys(db: Queryable, now: Date): Promise<void> {
  await createIdempotencyRepository(db).purgeCreatedBefore(expiredBefore(now))
}

const expiredBefore = (now: Date) => new Date(now.getTime() - KEY_TTL_HOURS * 3_600_000)
