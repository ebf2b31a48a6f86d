// Keyset cursors for the priorities listing: by recency, or by endorsement count then recency.
import { z } from 'zod'
import { AppError } from '../../errors.ts'
import type { PriorityCursor, PrioritySort } from './priorities-repository.ts'

const cursorSchema = z.strictObject({ o: z.string().max(40), t: z.iso.datetime({ offset: true }), n: z.number().int().min(0).optional(), id: z.uuid() })
const orderOf = (sort: PrioritySort) => `priorities:${sort}`

export function encodePriorityCursor(sort: PrioritySort, last: { createdAt: Date; endorsementCount: number; id: string }): string {
  const body = { o: orderOf(sort), t: last.createdAt.toISOString(), ...(sort === 'endorsements' ? { n: last.endorsementCount } : {}), id: last.id }
  return Buffer.from(JSON.stringify(body)).toString('base64url')
}

export function decodePriorityCursor(raw: string, sort: PrioritySort): PriorityCursor {
  let parsed: z.infer<typeof cursorSchema>
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')))
  } catch {
    throw invalid()
  }
  // A cursor from the other ordering is refused, as is one sorted by endorsements that lost its count.
  if (parsed.o !== orderOf(sort) || (sort === 'endorsements' && parsed.n === undefined)) throw invalid()
  return { at: new Date(parsed.t), count: parsed.n, id: parsed.id }
}

const invalid = () => new AppError('INVALID_CURSOR', 'The cursor is not one this listing issued; start again without it')
