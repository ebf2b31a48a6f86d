/**
 * Follow-up for the individual: with only the private tracking code they were given, a feedback giver (even an anonymous
 * one) sees their item's progress, the published decisions that answered it, the report-backs and the priorities it
 * supports, in their own language. The code is the capability: whoever calls sees what the public may of the rest.
 */
import { publicActor } from '../../auth/actor.ts'
import type { RequestContext } from '../../context.ts'
import { notFound } from '../../errors.ts'
import type { DecisionsService } from '../decisions/decisions-service.ts'
import type { PrioritiesService } from '../priorities/priorities-service.ts'
import type { ReportBacksService } from '../report-backs/report-backs-service.ts'
import type { Repositories } from '../repositories.ts'
import { languageTag, parseInput } from '../shared/validation.ts'
import { hashOf, TRACKING_CODE_PATTERN } from './tracking-code.ts'

const notFoundError = () => notFound('TRACKING_CODE_NOT_FOUND', 'No feedback for this tracking code')

export function createFollowUpService({ repositories, decisions, reportBacks, priorities }: { repositories: Repositories; decisions: DecisionsService; reportBacks: ReportBacksService; priorities: PrioritiesService }) {
  return {
    /** `language`: asked for explicitly; otherwise the language the giver wrote in, then the caller's. */
    async lookUp(ctx: RequestContext, code: string, language?: string) {
      const asked = language === undefined ? [] : [parseInput(languageTag, language, 'language')]
      if (!TRACKING_CODE_PATTERN.test(code)) throw notFoundError()
      const item = await repositories.followUp.itemOf(hashOf(code))
      if (!item) throw notFoundError()
      // The rest is read as the public sees it, whoever holds the code: drafts and other people's feedback stay hidden.
      const giver: RequestContext = { ...ctx, actor: publicActor, languages: [...asked, item.language, ...ctx.languages] }
      const [steps, links, answered] = await Promise.all([repositories.followUp.steps(item.id), repositories.followUp.linksOf(item.id), decisions.ofFeedback(giver, [item.id])])
      const [relayed, supported] = await Promise.all([reportBacks.byIds(giver, links.reportBackIds), priorities.byIds(giver, links.priorityIds)])
      return {
        feedback: {
          id: item.id,
          agencyId: item.agencyId,
          language: item.language,
          topic: item.topic,
          status: item.status,
          statusReason: item.statusReason,
          receivedAt: item.receivedAt.toISOString(),
          acknowledgedAt: item.acknowledgedAt?.toISOString() ?? null,
          decidedAt: item.decidedAt?.toISOString() ?? null,
          reportedBackAt: item.reportedBackAt?.toISOString() ?? null,
          history: steps.map((s) => ({ status: s.status, at: s.at.toISOString() })),
        },
        contentLanguage: giver.languages[0]!,
        decisions: answered.get(item.id) ?? [],
        reportBacks: [...relayed.values()].sort((a, b) => a.relayedAt.localeCompare(b.relayedAt) || a.id.localeCompare(b.id)),
        priorities: supported,
      }
    },
  }
}
export type FollowUpService = ReturnType<typeof createFollowUpService>
