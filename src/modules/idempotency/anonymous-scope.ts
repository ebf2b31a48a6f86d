// Anonymous callers' Idempotency-Keys live in one namespace per client address, named by a keyed hash of it.
import { createHmac, hkdfSync, randomBytes } from 'node:crypto'

/** Names a client address's key namespace; the address itself is never stored. */
export type AnonymousScope = (address: string) => string

/**
 * Without the secret nobody can compute another address's namespace, so keys cannot be probed or taken first
 * across addresses, and a stored namespace cannot be turned back into an address. Instances that share a secret
 * share namespaces (a retry may land on any of them); with none given, a random one lives as long as the process.
 */
export function createAnonymousScope(secret: Uint8Array = randomBytes(32)): AnonymousScope {
  return (address) => createHmac('sha256', secret).update(address).digest('base64url').slice(0, 32)
}

/** A secret for the namespaces derived from key material the instances already share (HKDF with its own label). */
export const deriveScopeSecret = (material: string): Uint8Array =>
  new Uint8Array(hkdfSync('sha256', material, 'community-engagement-api', 'anonymous idempotency namespaces', 32))
