// Picks the best translation for the caller: their preferences, then the agency default, then any.
import type { Translations } from '../../db/schema/index.ts'

export function pickLanguage(available: string[], preferred: string[], fallback: string): string | undefined {
  for (const want of preferred) {
    const lower = want.toLowerCase()
    const exact = available.find((a) => a.toLowerCase() === lower)
    if (exact) return exact
    // "es-MX" is served by "es", and "es" by "es-MX".
    const base = lower.split('-')[0]
    const related = available.find((a) => a.toLowerCase().split('-')[0] === base)
    if (related) return related
  }
  return available.includes(fallback) ? fallback : available[0]
}

export function translate(text: Translations | null | undefined, language: string | undefined): string | null {
  if (!text || !language) return null
  return text[language] ?? null
}
