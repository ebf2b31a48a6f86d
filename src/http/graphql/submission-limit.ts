// GraphQL's submitFeedback is held to the same per-minute submission limit as REST's POST /v1/feedback.
import type { FastifyInstance } from 'fastify'
import { Kind, visit, type DocumentNode } from 'graphql'
import type { MercuriusContext } from 'mercurius'
import { AppError } from '../../errors.ts'

type Limiter = ReturnType<FastifyInstance['createRateLimit']>

/** The limited mutations: each field of the document counts once, so aliases cannot multiply one request's budget. */
const limitedFields = new Set(['submitFeedback'])

const limitedCount = (document: DocumentNode) => {
  let count = 0
  visit(document, { [Kind.FIELD]: (node) => void (limitedFields.has(node.name.value) && count++) })
  return count
}

/** A mercurius preExecution hook counting each submission against the caller's limit (per address when anonymous). */
export function submissionLimitHook(limiter: Limiter) {
  return async (_schema: unknown, document: DocumentNode, context: MercuriusContext) => {
    for (let n = limitedCount(document); n > 0; n--) {
      const limit = await limiter(context.reply.request)
      if (!limit.isAllowed && limit.isExceeded) {
        const seconds = Math.max(1, limit.ttlInSeconds)
        throw new AppError('RATE_LIMITED', `Too many submissions; retry in ${seconds} s`, { retryAfterSeconds: seconds })
      }
    }
  }
}
