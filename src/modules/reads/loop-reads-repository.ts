// The read path's SQL for the listening-and-acting loop as the public sees it: an event's published feedback (a page
// with its total), the published decisions linked to an item or an event, and their published report-backs. The access
// rules are the repositories' own predicates, with the public viewer.
import { sql, type SQL } from 'drizzle-orm'
import {
  connectionType, enumList, enumValue, object, pickLanguage, raw, secondText, translationList, utcIso, value, cursorOf,
  type Field, type ObjectType, type PageRefs, type Scope,
} from '../../db/json-select.ts'
import { decisionVisible } from '../decisions/decisions-repository.ts'
import { feedbackVisible } from '../feedback/feedback-repository.ts'
import { publicFeedbackViewer } from '../feedback/feedback-view.ts'
import { reportBackVisible } from '../report-backs/report-backs-repository.ts'
import type { Selection } from './selection.ts'

/** A page size as a literal: an integer from 1 to 100 (the services' bounds), never text from the request. */
export function pageSize(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new Error(`not a page size: ${n}`)
  return n
}

/** Languages for a nested list: its own `language` argument first, then Accept-Language (as serviceContext does). */
type Languages = { preferred: SQL; any: boolean }
const languagesOf = (scope: Scope, first?: SQL | string | null): Languages =>
  first ? { preferred: sql`array_prepend(${first}::text, ${scope.accepted})`, any: true } : { preferred: scope.accepted, any: scope.anyAccepted }

/** A row translated into the caller's language: `l.lang` is its chosen language, `a` its agency (for the default). */
type TranslatedRefs = { t: string; a: string; l: string; languages: Languages }
const translatedSource = (table: string, map: string, scope: Scope, languages: Languages) => {
  const a = scope.alias('a')
  const l = scope.alias('l')
  return {
    refs: { t: table, a, l, languages },
    // OFFSET 0: the row's language is picked once, not inlined (with its subquery) into every field that reads it.
    joins: sql`JOIN agencies ${raw(a)} ON ${raw(a)}.id = ${raw(table)}.agency_id
      CROSS JOIN LATERAL (SELECT ${pickLanguage(raw(`${table}.${map}`), languages.any ? languages.preferred : undefined, raw(`${a}.default_language`))} AS lang OFFSET 0) ${raw(l)}`,
  }
}
/** A second text of the row (summary, rationale) in the row's language, else its own best (decision-view.ts's `text`). */
const alsoIn = ({ t, a, l, languages }: TranslatedRefs, map: string) => secondText(`${t}.${map}`, l, `${a}.default_language`, sql`array_prepend(${raw(l)}.lang, ${languages.preferred})`)
const col = (name: string): Field<TranslatedRefs> => value(({ t }) => raw(`${t}.${name}`))
const instant = (name: string): Field<TranslatedRefs> => value(({ t }) => raw(`CASE WHEN ${t}.${name} IS NULL THEN NULL ELSE ${utcIso(`${t}.${name}`)} END`))
const enumCol = (name: string): Field<TranslatedRefs> => value(({ t }, scope) => enumValue(raw(`${t}.${name}`), scope))

export const reportBackType: ObjectType<TranslatedRefs> = {
  id: col('id'),
  agencyId: col('agency_id'),
  decisionId: col('decision_id'),
  channel: enumCol('channel'),
  relayedAt: instant('relayed_at'),
  eventId: col('event_id'),
  languages: value(({ t }) => raw(`to_json(${t}.languages)`)),
  audience: value(({ t }, scope) => enumList(raw(`${t}.audience`), scope)),
  summary: value(({ t, l }) => raw(`(${t}.summary ->> ${l}.lang)`)),
  contentLanguage: value(({ a, l }) => raw(`coalesce(${l}.lang, ${a}.default_language)`)),
  summaryTranslations: { type: 'Translation', build: ({ t }, s, scope) => translationList(raw(`${t}.summary`), s, scope) },
  url: col('url'),
  publication: enumCol('publication'),
  version: col('version'),
  createdAt: instant('created_at'),
  updatedAt: instant('updated_at'),
  deletedAt: instant('deleted_at'),
}

export const decisionTranslationsType: ObjectType<TranslatedRefs> = Object.fromEntries(
  ['title', 'summary', 'rationale'].map((f) => [f, { type: 'Translation', build: ({ t }: TranslatedRefs, s: Selection, scope: Scope) => translationList(raw(`${t}.${f}`), s, scope) }]),
)
export const decisionType: ObjectType<TranslatedRefs> = {
  id: col('id'),
  agencyId: col('agency_id'),
  title: value(({ t, l }) => raw(`coalesce(${t}.title ->> ${l}.lang, '')`)),
  summary: value((refs) => alsoIn(refs, 'summary')),
  rationale: value((refs) => alsoIn(refs, 'rationale')),
  contentLanguage: value(({ a, l }) => raw(`coalesce(${l}.lang, ${a}.default_language)`)),
  translations: { type: 'DecisionTranslations', build: (refs, s, scope) => object(decisionTranslationsType, 'DecisionTranslations', refs, s.selections, scope) },
  decidedBy: col('decided_by'),
  decidedAt: instant('decided_at'),
  status: enumCol('status'),
  publication: enumCol('publication'),
  areaId: col('area_id'),
  topic: value(({ t }) => raw(`(SELECT code FROM feedback_topics WHERE feedback_topics.id = ${t}.topic_id)`)),
  // Report-backs are told in the decision's own language first (loop-resolvers.ts).
  reportBacks: {
    type: 'ReportBack',
    build: ({ t, l }, s, scope) => {
      const { refs, joins } = translatedSource('report_backs', 'summary', scope, languagesOf(scope, raw(`${l}.lang`)))
      return sql`(SELECT coalesce(json_agg(${object(reportBackType, 'ReportBack', refs, s.selections, scope)} ORDER BY report_backs.relayed_at, report_backs.id), '[]')
        FROM report_backs ${joins} WHERE report_backs.decision_id = ${raw(t)}.id AND ${reportBackVisible(publicFeedbackViewer)} AND report_backs.deleted_at IS NULL)`
    },
  },
  version: col('version'),
  createdAt: instant('created_at'),
  updatedAt: instant('updated_at'),
  deletedAt: instant('deleted_at'),
}
/** The published decisions linked to a feedback item or an event, oldest first (decisions-repository.ts's order). */
export function decisionsOf(link: 'decision_feedback' | 'decision_events', column: string, owner: string, s: Selection, scope: Scope): SQL {
  const { refs, joins } = translatedSource('decisions', 'title', scope, languagesOf(scope, s.args.language as string | null | undefined))
  return sql`(SELECT coalesce(json_agg(${object(decisionType, 'Decision', refs, s.selections, scope)} ORDER BY decisions.created_at, decisions.id), '[]')
    FROM ${raw(link)} JOIN decisions ON decisions.id = ${raw(link)}.decision_id ${joins}
    WHERE ${raw(link)}.${raw(column)} = ${raw(owner)} AND ${decisionVisible(publicFeedbackViewer)} AND decisions.deleted_at IS NULL)`
}

type FeedbackRefs = { f: string }
const feedbackCol = (name: string): Field<FeedbackRefs> => value(({ f }) => raw(`${f}.${name}`))
const feedbackInstant = (name: string): Field<FeedbackRefs> => value(({ f }) => raw(`CASE WHEN ${f}.${name} IS NULL THEN NULL ELSE ${utcIso(`${f}.${name}`)} END`))
const feedbackEnum = (name: string): Field<FeedbackRefs> => value(({ f }, scope) => enumValue(raw(`${f}.${name}`), scope))
const withheld: Field<FeedbackRefs> = value(() => sql`NULL`)
/** A published item as feedback-view.ts shows it to the public ('published' access): its published text, no giver, no organization. */
export const feedbackType: ObjectType<FeedbackRefs> = {
  id: feedbackCol('id'),
  agencyId: feedbackCol('agency_id'),
  body: feedbackCol('published_body'),
  bodyLanguage: feedbackCol('body_language'),
  publishedBody: feedbackCol('published_body'),
  channel: feedbackEnum('channel'),
  eventId: feedbackCol('event_id'),
  areaId: feedbackCol('area_id'),
  topic: value(({ f }) => raw(`(SELECT code FROM feedback_topics WHERE feedback_topics.id = ${f}.topic_id)`)),
  topicVocabularyVersion: feedbackCol('topic_vocabulary_version'),
  stance: feedbackEnum('stance'),
  anonymous: withheld,
  participantId: withheld,
  organizationId: withheld,
  visibility: feedbackEnum('visibility'),
  status: feedbackEnum('status'),
  statusReason: withheld,
  receivedAt: feedbackInstant('received_at'),
  acknowledgedAt: feedbackInstant('acknowledged_at'),
  decidedAt: feedbackInstant('decided_at'),
  reportedBackAt: feedbackInstant('reported_back_at'),
  version: feedbackCol('version'),
  createdAt: feedbackInstant('created_at'),
  updatedAt: feedbackInstant('updated_at'),
  deletedAt: feedbackInstant('deleted_at'),
  decisions: { type: 'Decision', build: ({ f }, s, scope) => decisionsOf('decision_feedback', 'feedback_id', `${f}.id`, s, scope) },
}
export const eventFeedbackConnectionType = connectionType('FeedbackEdge', 'Feedback', { totalCount: value(({ total }) => total!), totalCountIsEstimate: value(() => sql`false`) })

/** An event's first `first` published items (by received time) with their total; cursors are Query.feedback's. */
export function eventFeedback(event: string, s: Selection, scope: Scope): SQL {
  const first = s.args.first as number
  const p = scope.alias('f')
  // Page sizes are written into the statement (validated integers): with a known LIMIT PostgreSQL can keep one
  // generic plan for the prepared statement instead of planning every execution.
  const limit = raw(String(pageSize(first)))
  const refs: PageRefs = {
    p,
    limit,
    cursor: cursorOf('feedback:received', `${p}.received_at`, `${p}.id`),
    node: (node, scope) => object(feedbackType, 'Feedback', { f: p }, node.selections, scope),
    total: sql`(SELECT count(*)::int FROM feedback_items WHERE feedback_items.event_id = ${raw(event)}.id AND ${feedbackVisible(publicFeedbackViewer)} AND feedback_items.deleted_at IS NULL)`,
  }
  return sql`(SELECT ${object(eventFeedbackConnectionType, 'EventFeedbackConnection', refs, s.selections, scope)}
    FROM (SELECT feedback_items.*, row_number() OVER w AS n, lead(feedback_items.id) OVER w IS NOT NULL AS followed FROM feedback_items
      WHERE feedback_items.event_id = ${raw(event)}.id AND ${feedbackVisible(publicFeedbackViewer)} AND feedback_items.deleted_at IS NULL
      WINDOW w AS (ORDER BY feedback_items.received_at, feedback_items.id) ORDER BY feedback_items.received_at, feedback_items.id LIMIT ${raw(String(pageSize(first) + 1))}) ${raw(p)} GROUP BY ())`
}

