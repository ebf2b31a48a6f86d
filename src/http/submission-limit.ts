// One submission limit for every door (REST feedback, Open311 reports, GraphQL submitFeedback), counted in one store.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'

type Limiter = ReturnType<FastifyInstance['createRateLimit']>

/** Counts one submission against the caller's allowance (per address when anonymous); throws RATE_LIMITED past it. */
export type SubmissionLimit = (request: FastifyRequest) => Promise<void>

export function createSubmissionLimit(limiter: Limiter): SubmissionLimit {
  return async (request) => {
    const limit = await limiter(request)
    if (!limit.isAllowed && limit.isExceeded) {
      const seconds = Math.max(1, limit.ttlInSeconds)
      throw new AppError('RATE_LIMITED', `Too many submissions; retry in ${seconds} s`, { retryAfterSeconds: seconds })
    }
  }
}

/**
 * An anonymous endorsement of a priority: counted against the submission allowance, and once a day per address and
 * priority. The key is the address's keyed hash; the shared store keeps only a keyed hash of that (never the address).
 */
export type EndorsementLimit = (request: FastifyRequest, priorityId: string) => Promise<void>

export const ENDORSEMENT_WINDOW_MS = 24 * 60 * 60_000

export function createEndorsementLimit(app: FastifyInstance, submissionLimit: SubmissionLimit): EndorsementLimit {
  const perPriority = new WeakMap<FastifyRequest, string>()
  const once = app.createRateLimit({ max: 1, timeWindow: ENDORSEMENT_WINDOW_MS, keyGenerator: (request) => perPriority.get(request) ?? 'none', ...({ storeName: 'endorsements' } as object) })
  return async (request, priorityId) => {
    if (request.actor.kind !== 'public') return
    await submissionLimit(request)
    perPriority.set(request, `endorse:${request.actor.scope ?? 'unknown'}:${priorityId}`)
    const limit = await once(request)
    if (!limit.isAllowed && limit.isExceeded) {
      const seconds = Math.max(1, limit.ttlInSeconds)
      throw new AppError('RATE_LIMITED', `This address has endorsed this priority already; retry in ${seconds} s`, { retryAfterSeconds: seconds })
    }
  }
}
