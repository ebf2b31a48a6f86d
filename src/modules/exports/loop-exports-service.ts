/** Feedback and decision exports: whatever the lists show the caller, read page by page through the lists themselves. */
import type { RequestContext } from '../../context.ts'
import { validationFailed } from '../../errors.ts'
import type { DecisionView } from '../decisions/decision-view.ts'
import type { DecisionsService } from '../decisions/decisions-service.ts'
import type { FeedbackView } from '../feedback/feedback-view.ts'
import type { FeedbackService } from '../feedback/feedback-service.ts'
import type { Page } from '../shared/pagination.ts'

/** The lists' largest page: exports never hold more than one page in memory. */
const PAGE = 100

type List<T> = (ctx: RequestContext, query: unknown) => Promise<Page<T>>

/** Every page of a list for a query, in list order (`cursor` resumes one); the list validates (and refuses) the query. */
async function* pages<T>(list: List<T>, ctx: RequestContext, query: Record<string, unknown>): AsyncGenerator<Page<T>> {
  if ('limit' in query) throw validationFailed([{ field: 'limit', message: 'is not used by exports: they hold every record the filters match' }])
  if ('count' in query) throw validationFailed([{ field: 'count', message: 'is not used by exports: they hold every record the filters match' }])
  let cursor = query.cursor as string | undefined
  do {
    const page = await list(ctx, { ...query, limit: String(PAGE), ...(cursor ? { cursor } : {}) })
    yield page
    cursor = page.nextCursor ?? undefined
  } while (cursor)
}

export function createLoopExportsService({ feedback, decisions }: { feedback: FeedbackService; decisions: DecisionsService }) {
  return {
    /** The feedback list's pages for this caller (the CSV format de-identifies each row). */
    feedbackPages(ctx: RequestContext, query: Record<string, unknown>): AsyncGenerator<Page<FeedbackView>> {
      return pages(feedback.list, ctx, query)
    },

    decisionPages(ctx: RequestContext, query: Record<string, unknown>): AsyncGenerator<Page<DecisionView>> {
      return pages(decisions.list, ctx, query)
    },
  }
}
export type LoopExportsService = ReturnType<typeof createLoopExportsService>
