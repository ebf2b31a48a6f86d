// The public shape of a report-back: how and when an outcome was relayed, its summary in the caller's language.
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import { pickLanguage, translate } from '../shared/language.ts'
import type { ReportBackRow } from './report-backs-repository.ts'

export type ReportBackView = ReturnType<typeof reportBackView>

export function reportBackView(r: ReportBackRow, agency: AgencyRow | undefined, preferred: string[]) {
  const fallback = agency?.defaultLanguage ?? 'en'
  const language = pickLanguage(Object.keys(r.summary), preferred, fallback) ?? fallback
  return {
    id: r.id,
    agencyId: r.agencyId,
    decisionId: r.decisionId,
    channel: r.channel,
    relayedAt: r.relayedAt.toISOString(),
    eventId: r.eventId,
    languages: r.languages,
    audience: r.audience,
    summary: translate(r.summary, language),
    contentLanguage: language,
    translations: { summary: r.summary },
    url: r.url,
    publication: r.publication,
    feedbackIds: r.feedbackIds,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    deletedAt: r.deletedAt ? r.deletedAt.toISOString() : null,
  }
}
