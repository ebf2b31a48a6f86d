// Opaque keyset cursors: the sort key of the last row on a page, so page N costs what page 1 costs.
import { z } from 'zod'
import { AppError } from '../../errors.ts'
import type { TotalCount } from '../../db/counting.ts'
export type { TotalCount } from '../../db/counting.ts'

export type Page<T> = { data: T[]; nextCursor: string | null }
/** A page with the listing's total, when the caller asked for it (`count`). */
export type CountedPage<T> = Page<T> & Partial<TotalCount>

/** The total of a listing with no rows to count (an agency no one hosts). */
export const noRows: TotalCount = { totalCount: 0, totalCountIsEstimate: false }

/** The listing's total when the caller asked for it (run beside the page's own statement), else nothing. */
export const totalWhen = (count: boolean | undefined, total: () => Promise<TotalCount>): Promise<TotalCount | undefined> => (count ? total() : Promise.resolve(undefined))

/**
 * `count`: whether a list answers its total beside the page (REST: `?count=true`; GraphQL: `totalCount` selected).
 * Only the words true and false: `count=maybe` is refused rather than read as either.
 */
export const countFlag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional()

const cursorSchema = z.strictObject({
  /** Which ordering the cursor belongs to: a cursor from one listing is refused by another. */
  o: z.string().max(40),
  t: z.iso.datetime({ offset: true }),
  id: z.uuid(),
  /** A near-me listing's position: the last row's distance in metres (exactly as the database computed it). */
  d: z.number().nonnegative().optional(),
})
export type Cursor = { order: string; at: Date; id: string; distance?: number }

export function encodeCursor(order: string, at: Date, id: string, distance?: number): string {
  return Buffer.from(JSON.stringify({ o: order, t: at.toISOString(), id, ...(distance !== undefined ? { d: distance } : {}) })).toString('base64url')
}

export function decodeCursor(raw: string, order: string): Cursor {
  let parsed: z.infer<typeof cursorSchema>
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')))
  } catch {
    throw invalid()
  }
  if (parsed.o !== order) throw invalid()
  return { order: parsed.o, at: new Date(parsed.t), id: parsed.id, ...(parsed.d !== undefined ? { distance: parsed.d } : {}) }
}

/** Builds a page from limit+1 rows: the extra row only says whether another page exists. */
export function toPage<R extends { id: string }, T>(rows: R[], limit: number, order: string, key: (r: R) => Date, view: (r: R) => T): Page<T> {
  const more = rows.length > limit
  const pageRows = more ? rows.slice(0, limit) : rows
  const last = pageRows.at(-1)
  return { data: pageRows.map(view), nextCursor: more && last ? encodeCursor(order, key(last), last.id) : null }
}

const invalid = () => new AppError('INVALID_CURSOR', 'The cursor is not one this listing issued; start again without it')
