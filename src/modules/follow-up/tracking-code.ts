// Private tracking codes: 256 random bits, shown once to the giver and stored only as a SHA-256 hash.
import { createHash, randomBytes } from 'node:crypto'

/** 32 random bytes in base64url: 43 characters. */
export const TRACKING_CODE_PATTERN = /^[A-Za-z0-9_-]{43}$/

export function newTrackingCode(): { code: string; hash: string } {
  const code = randomBytes(32).toString('base64url')
  return { code, hash: hashOf(code) }
}

export const hashOf = (code: string) => createHash('sha256').update(code, 'utf8').digest('hex')
