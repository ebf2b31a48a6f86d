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
