// Input schemas for benchmarks: norm tables, the pooling setting, and the pooled aggregates' query.
import { z } from 'zod'
import { contactKinds } from '../../db/schema/index.ts'
import { cycles } from '../insights/community-trust.ts'
import { httpsUrl, uuid } from '../shared/validation.ts'
import { itemCodes } from './survey-items.ts'

/** How far a distribution's shares may sum from 1 (published tables round each share). */
export const SHARE_TOLERANCE = 0.01
const isoDate = z.iso.date({ error: 'must be a date, e.g. 2026-01-01' })
const responseValue = z.string().regex(/^-?\d{1,3}$/, { error: 'must be a response value (an integer on the scale)' })

const normItem = z
  .strictObject({
    code: z.enum(itemCodes, { error: `must be one of ${itemCodes.join(', ')}` }),
    mean: z.number(),
    scale: z.strictObject({ min: z.int().min(-100).max(100), max: z.int().min(-100).max(100) }).refine((s) => s.min < s.max, { error: 'min must be below max', path: ['max'] }),
    n: z.int().min(1).max(100_000_000),
    distribution: z.record(responseValue, z.number().min(0).max(1)),
  })
  .superRefine((item, ctx) => {
    const { min, max } = item.scale
    if (!(min < max)) return
    if (item.mean < min || item.mean > max) ctx.addIssue({ code: 'custom', path: ['mean'], message: `must be on the scale (${min}–${max})` })
    const values = Object.keys(item.distribution)
    if (values.length === 0) ctx.addIssue({ code: 'custom', path: ['distribution'], message: 'needs the share of at least one response value' })
    for (const v of values) if (Number(v) < min || Number(v) > max) ctx.addIssue({ code: 'custom', path: ['distribution', v], message: `is not a value on the scale (${min}–${max})` })
    const sum = Object.values(item.distribution).reduce((a, b) => a + b, 0)
    if (values.length && Math.abs(sum - 1) > SHARE_TOLERANCE) ctx.addIssue({ code: 'custom', path: ['distribution'], message: `shares sum to ${Math.round(sum * 1000) / 1000}; they must sum to 1 (within ${SHARE_TOLERANCE})` })
  })

export const normTableInput = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    source: z.strictObject({ citation: z.string().trim().min(1).max(2000), url: httpsUrl.optional() }),
    period: z.strictObject({ from: isoDate, to: isoDate }).refine((p) => p.from <= p.to, { error: 'must not be after to', path: ['from'] }),
    items: z.array(normItem).min(1).max(itemCodes.length * 4),
  })
  .superRefine((t, ctx) => {
    const seen = new Map<string, number>()
    t.items.forEach((item, i) => {
      if (seen.has(item.code)) ctx.addIssue({ code: 'custom', path: ['items', i, 'code'], message: `repeats items.${seen.get(item.code)}.code` })
      else seen.set(item.code, i)
    })
  })
export type NormTableInput = z.output<typeof normTableInput>

export const normListQuery = z.strictObject({ agency: z.string().min(1).max(100) })

export const poolingInput = z.strictObject({ enabled: z.boolean(), normTable: uuid.nullable().optional() })

const list = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).max(100)]).transform((v) => [v].flat() as z.output<T>[])
export const pooledQuery = z
  .strictObject({
    cycle: z.enum(cycles).default('quarter'),
    item: list(z.enum(itemCodes, { error: `must be one of ${itemCodes.join(', ')}` })).optional(),
    agency: list(z.string().min(1).max(100)).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be after to', path: ['from'] })

/** The contact kinds community trust is cut by: a kind of contact, or `none` (after a meeting, or with online feedback). */
export const trustContactKinds = [...contactKinds, 'none'] as const
export const contactKindQuery = z.strictObject({ contactKind: list(z.enum(trustContactKinds, { error: `must be one of ${trustContactKinds.join(', ')}` })) })
