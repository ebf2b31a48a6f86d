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

/** A key as a unit of work claims it (src/modules/writes.ts): its scope, the body's hash, and when keys expire. */
export type KeyClaim = { scope: { principal: string; operation: string; key: string }; requestHash: string; expiredBefore: Date }

/** Validates the key and hashes the body, before anything is read or written. */
export function keyClaim(scope: { principal: string; operation: string; key: string }, body: unknown, now: Date): KeyClaim {
  const key = parseInput(idempotencyKeySchema, scope.key, 'Idempotency-Key')
  return { scope: { ...scope, key }, requestHash: hashOf(body), expiredBefore: expiredBefore(now) }
}

/**
 * What a key claimed earlier means for this request: the resource to replay when the body is the same, undefined when
 * the key is unknown or expired (free to claim), IDEMPOTENCY_KEY_REUSED when the body differs.
 */
export function priorOf(claim: KeyClaim, prior: { requestHash: string; resourceId: string | null; createdAt: Date } | undefined): string | undefined {
  if (!prior || prior.createdAt < claim.expiredBefore) return undefined
  if (!prior.resourceId) throw new AppError('IDEMPOTENCY_KEY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry shortly', { retryAfterSeconds: 1 })
  if (prior.requestHash !== claim.requestHash) throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body')
  return prior.resourceId
}

const hashOf = (body: unknown) => createHash('sha256').update(canonical(body)).digest('hex')

/**
 * Claims a key inside the caller's transaction. A concurrent request with the same key waits on the
 * unique index until this transaction ends, then replays (or is refused), so only one create happens.
 */
export async function claimIdempotencyKey(db: Queryable, scope: { principal: string; operation: string; key: string }, body: unknown, now: Date): Promise<Claim> {
  const key = parseInput(idempotencyKeySchema, scope.key, 'Idempotency-Key')
  const requestHash = hashOf(body)
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
