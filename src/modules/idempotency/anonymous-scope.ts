// Anonymous callers' Idempotency-Keys live in one namespace per client address, named by a keyed hash of it.
import { createHmac, hkdfSync, randomBytes } from 'node:crypto'
import type { Queryable } from '../../db/client.ts'
import { createSharedSecretsRepository } from './shared-secrets-repository.ts'

/** Names a client address's key namespace; the address itself is never stored. */
export type AnonymousScope = (address: string) => string

/**
 * Without the secret nobody can compute another address's namespace, so keys cannot be probed or taken first
 * across addresses, and a stored namespace cannot be turned back into an address. Every instance must use the
 * same secret (a retry may land on any of them, or on one restarted since): see scopeSecret.
 */
export function createAnonymousScope(secret: Uint8Array): AnonymousScope {
  // Every anonymous request is named by its address (rate limits, replica routing): the few addresses a process sees
  // at once are remembered rather than hashed again, up to a bound that a flood of addresses only clears.
  const known = new Map<string, string>()
  return (address) => {
    let scope = known.get(address)
    if (scope === undefined) {
      if (known.size >= KNOWN_ADDRESSES) known.clear()
      scope = createHmac('sha256', secret).update(address).digest('base64url').slice(0, 32)
      known.set(address, scope)
    }
    return scope
  }
}
const KNOWN_ADDRESSES = 4_096

/** A secret for the namespaces derived from key material the instances already share (HKDF with its own label). */
export const deriveScopeSecret = (material: string): Uint8Array =>
  new Uint8Array(hkdfSync('sha256', material, 'community-engagement-api', 'anonymous idempotency namespaces', 32))

/**
 * The secret every instance agrees on: IDEMPOTENCY_SCOPE_SECRET, else derived from the partner-token signing key,
 * else one random secret stored in the database on first use (so restarts and other instances find the same one).
 */
export async function scopeSecret(db: Queryable, { configured, signingKey }: { configured?: string; signingKey?: string }): Promise<Uint8Array> {
  if (configured) return deriveScopeSecret(configured)
  if (signingKey) return deriveScopeSecret(signingKey)
  const stored = await createSharedSecretsRepository(db).getOrCreate('anonymous-idempotency-scope', randomBytes(32).toString('base64url'))
  return new Uint8Array(Buffer.from(stored, 'base64url'))
}
