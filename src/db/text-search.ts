// Language-aware full-text search: a text-search configuration per supported language (stemming, so "cameras" finds
// "camera"), `simple` (no stemming, no stop words) for every text and for languages PostgreSQL has no configuration for.
// The vectors are generated columns, so their SQL is constants only; PGlite and PostgreSQL ship the same configurations.
import { sql, type SQL } from 'drizzle-orm'

/** Base language → its configuration (pg_ts_config). Vietnamese, Somali, Chinese, … have none: `simple` serves them. */
export const searchConfigurations = {
  en: 'english', es: 'spanish', fr: 'french', pt: 'portuguese', de: 'german', it: 'italian', nl: 'dutch', ru: 'russian', ar: 'arabic', tr: 'turkish',
} as const
const entries = Object.entries(searchConfigurations)

/** The configuration of a language tag column ("es-MX" → spanish), as SQL text for a generated column. */
export const configOf = (languageColumn: string) =>
  `(CASE split_part(lower(${languageColumn}), '-', 1) ${entries.map(([l, c]) => `WHEN '${l}' THEN '${c}'::regconfig`).join(' ')} ELSE 'simple'::regconfig END)`

// Stemmed words are tagged with their language ("en:camera"), and a query's stemmed words with theirs: a Spanish stem
// never matches a French one ("cámaras" and "cameras" both stem to "cam" in some), while the words as written stay untagged.
const LEXEME = String.raw`'''((?:[^'']|'''')*)'''`
/** A vector or query (SQL text) with each lexeme prefixed by `tag` (SQL text of a string), positions kept. */
const tagged = (value: string, tag: string, type: 'tsvector' | 'tsquery') => `regexp_replace((${value})::text, ${LEXEME}, '''' || ${tag} || ':\\1''', 'g')::${type}`

/** A text in a known language: its words as written (simple) and stemmed in its language, tagged with it. */
export const textVector = (text: string, languageColumn: string) =>
  `to_tsvector('simple'::regconfig, ${text}) || ${tagged(`to_tsvector(${configOf(languageColumn)}, ${text})`, `split_part(lower(${languageColumn}), '-', 1)`, 'tsvector')}`

/**
 * Translation maps (title, description and so on): every language's words as written, and each supported language's
 * stemmed by its configuration and tagged with it (keys as agencies write them: "es-MX" text is found as written).
 */
export const translationsVector = (maps: string[], extra = '') => {
  const simple = maps.map((m) => `jsonb_to_tsvector('simple'::regconfig, ${m}, '["string"]'::jsonb)`)
  const stemmed = entries.map(([l, c]) => tagged(`to_tsvector('${c}'::regconfig, ${maps.map((m) => `coalesce(${m} ->> '${l}', '')`).join(` || ' ' || `)})`, `'${l}'`, 'tsvector'))
  return [...simple, ...(extra ? [extra] : []), ...stemmed].join(' || ')
}

/** A web-search query (`"phrase"`, `-word`, `or`): as written, or stemmed in each supported language against that language's text. */
export function searchQuery(q: string): SQL {
  const stemmed = entries.map(([l, c]) => {
    const [before, after] = tagged(`websearch_to_tsquery('${c}'::regconfig, $q$)`, `'${l}'`, 'tsquery').split('$q$') as [string, string]
    return sql`${sql.raw(before)}${q}${sql.raw(after)}`
  })
  return sql`(${sql.join([sql`websearch_to_tsquery('simple'::regconfig, ${q})`, ...stemmed], sql` || `)})`
}
