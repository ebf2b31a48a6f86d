// The public shape of a decision: text in the caller's language, its progress, and the links the caller may see.
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import { pickLanguage, translate } from '../shared/language.ts'
import type { DecisionRow } from './decisions-repository.ts'

export type DecisionView = ReturnType<typeof decisionView>

export function decisionView(d: DecisionRow, agency: AgencyRow | undefined, preferred: string[]) {
  const fallback = agency?.defaultLanguage ?? 'en'
  const language = pickLanguage(Object.keys(d.title), preferred, fallback) ?? Object.keys(d.title)[0] ?? fallback
  // Summary and rationale may exist in fewer languages than the title: each falls back on its own.
  const text = (t: Record<string, string>) => translate(t, pickLanguage(Object.keys(t), [language, ...preferred], fallback))
  const gone = d.deletedAt !== null
  return {
    id: d.id,
    agencyId: d.agencyId,
    title: gone ? '' : (translate(d.title, language) ?? ''),
    summary: gone ? null : text(d.summary),
    rationale: gone ? null : text(d.rationale),
    contentLanguage: language,
    translations: gone ? { title: {}, summary: {}, rationale: {} } : { title: d.title, summary: d.summary, rationale: d.rationale },
    decidedBy: d.decidedBy,
    decidedAt: d.decidedAt ? d.decidedAt.toISOString() : null,
    status: d.status,
    publication: d.publication,
    areaId: d.areaId,
    topic: d.topicCode,
    feedbackIds: d.feedbackIds,
    eventIds: d.eventIds,
    organizationIds: d.organizationIds,
    updates: d.updates.map((u) => ({
      on: u.on,
      status: u.status,
      note: text(u.note ?? {}),
      translations: { note: u.note ?? {} },
      createdAt: new Date(u.createdAt).toISOString(),
    })),
    version: d.version,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    deletedAt: d.deletedAt ? d.deletedAt.toISOString() : null,
  }
}
