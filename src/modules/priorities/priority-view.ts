// The public shape of a shared priority: its statement in the caller's language, endorsements, status and links.
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import { pickLanguage, translate } from '../shared/language.ts'
import type { PriorityRow } from './priorities-repository.ts'

export type PriorityView = ReturnType<typeof priorityView>

export function priorityView(p: PriorityRow, agency: AgencyRow | undefined, preferred: string[]) {
  const fallback = agency?.defaultLanguage ?? 'en'
  const language = pickLanguage(Object.keys(p.statement), preferred, fallback) ?? Object.keys(p.statement)[0] ?? fallback
  // Reasons and notes may exist in a language the statement lacks: the caller's languages come first for each.
  const text = (t: Record<string, string>) => translate(t, pickLanguage(Object.keys(t), [...preferred, language], fallback))
  return {
    id: p.id,
    agencyId: p.agencyId,
    statement: translate(p.statement, language) ?? '',
    contentLanguage: language,
    translations: { statement: p.statement, statusReason: p.statusReason },
    areaIds: p.areaIds,
    topics: p.topics,
    proposedBy: p.proposedBy,
    organizationId: p.organizationId,
    moderation: p.moderation,
    status: p.status,
    statusReason: text(p.statusReason),
    endorsements: {
      total: p.endorsementCount,
      anonymous: p.anonymousEndorsements,
      organizations: p.endorsements.map((e) => ({ organizationId: e.organizationId, note: text(e.note), endorsedAt: new Date(e.endorsedAt).toISOString() })),
    },
    feedbackIds: p.feedbackIds,
    decisionIds: p.decisionIds,
    reportBackIds: p.reportBackIds,
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  }
}
