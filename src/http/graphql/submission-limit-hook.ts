// GraphQL's submitFeedback is held to the same submission limit (the same counter) as REST's and Open311's.
import { Kind, visit, type DocumentNode } from 'graphql'
import type { MercuriusContext } from 'mercurius'
import type { SubmissionLimit } from '../submission-limit.ts'

/** The limited mutations: each field of the document counts once, so aliases cannot multiply one request's budget. */
const limitedFields = new Set(['submitFeedback', 'proposePriority', 'answerContactSurvey'])

const limitedCount = (document: DocumentNode) => {
  let count = 0
  visit(document, { [Kind.FIELD]: (node) => void (limitedFields.has(node.name.value) && count++) })
  return count
}

/** A mercurius preExecution hook counting each submission against the caller's limit (per address when anonymous). */
export function submissionLimitHook(submissionLimit: SubmissionLimit) {
  return async (_schema: unknown, document: DocumentNode, context: MercuriusContext) => {
    for (let n = limitedCount(document); n > 0; n--) await submissionLimit(context.reply.request)
  }
}
