// The public shape of a topic: its code, label in the caller's language, and when it entered and left the vocabulary.
import { pickLanguage, translate } from '../shared/language.ts'
import type { TopicRow } from './topics-repository.ts'

export type TopicView = ReturnType<typeof topicView>

export function topicView(t: TopicRow, preferred: string[], fallback: string) {
  const language = pickLanguage(Object.keys(t.label), preferred, fallback) ?? 'en'
  return {
    code: t.code,
    label: translate(t.label, language) ?? t.code,
    description: translate(t.description, pickLanguage(Object.keys(t.description), [language, ...preferred], fallback)),
    contentLanguage: language,
    translations: { label: t.label, description: t.description },
    /** Standard topics belong to no agency and every agency shares them. */
    standard: t.agencyId === null,
    agencyId: t.agencyId,
    version: t.version,
    retiredInVersion: t.retiredInVersion,
    createdAt: t.createdAt.toISOString(),
  }
}
