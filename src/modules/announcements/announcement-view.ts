// The public shape of an announcement: its text in the caller's language, its renderings per language and channel
// (an SMS says how many segments it takes), the translations still missing, and the reach reported so far.
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import { pickLanguage, translate } from '../shared/language.ts'
import type { AnnouncementRow } from './announcements-repository.ts'
import { smsSegments } from './sms-segments.ts'

export type AnnouncementView = ReturnType<typeof announcementView>

/** Channels with a length limit get a rendering of their own; the others carry the full text. */
function rendering(channel: string, title: string, body: string) {
  if (channel !== 'sms') return { channel, text: `${title}\n\n${body}`, sms: null }
  const text = `${title}: ${body}`
  return { channel, text, sms: smsSegments(text) }
}

export function announcementView(a: AnnouncementRow, agency: AgencyRow | undefined, preferred: string[]) {
  const fallback = agency?.defaultLanguage ?? 'en'
  const language = pickLanguage(Object.keys(a.title), preferred, fallback) ?? Object.keys(a.title)[0] ?? fallback
  const translated = a.languages.filter((l) => a.title[l] && a.body[l])
  return {
    id: a.id,
    agencyId: a.agencyId,
    kind: a.kind,
    title: translate(a.title, language) ?? '',
    body: translate(a.body, pickLanguage(Object.keys(a.body), [language, ...preferred], fallback)) ?? '',
    contentLanguage: language,
    translations: { title: a.title, body: a.body },
    languages: a.languages,
    missingTranslations: a.languages.filter((l) => !translated.includes(l)),
    channels: a.channels,
    renderings: translated.flatMap((l) => a.channels.map((c) => ({ language: l, ...rendering(c, a.title[l]!, a.body[l]!) }))),
    areaIds: a.areaIds,
    organizationIds: a.organizationIds,
    eventIds: a.eventIds,
    decisionIds: a.decisionIds,
    reportBackIds: a.reportBackIds,
    status: a.status,
    publishAt: a.publishAt.toISOString(),
    expiresAt: a.expiresAt?.toISOString() ?? null,
    withdrawnReason: a.withdrawnReason,
    reach: a.reach,
    version: a.version,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  }
}
