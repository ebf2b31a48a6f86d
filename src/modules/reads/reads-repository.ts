// The read path's SQL: a selection becomes one statement in which PostgreSQL builds the response's JSON
// (json_build_object over correlated subqueries, keyset paging inside), and Node passes the text through.
// Values are written as the views write them (event-view.ts, agencies-service.ts): the expressions below pick
// languages, write zone offsets and encode cursors exactly as the JavaScript does. They are written inline rather than
// as SQL functions: PostgreSQL cannot inline a function with subqueries, and calling one costs 4–10 µs a row.
import { sql, type SQL } from 'drizzle-orm'
import { renderSql, type Database, type RenderedSql } from '../../db/client.ts'
import { eventColumnNames, eventConditions, type EventFilter, type EventVisibility } from '../events/events-repository.ts'
import type { Cursor } from '../shared/pagination.ts'
import { decisionVisible } from '../decisions/decisions-repository.ts'
import { feedbackVisible } from '../feedback/feedback-repository.ts'
import { publicFeedbackViewer } from '../feedback/feedback-view.ts'
import { reportBackVisible } from '../report-backs/report-backs-repository.ts'
import type { Dialect, ReadableTypes, Selection } from './selection.ts'

/** What one statement's building needs besides the selection: how to write values and the caller's languages. */
type Scope = { dialect: Dialect; languages: SQL; anyLanguage: boolean; accepted: SQL; anyAccepted: boolean; alias(prefix: string): string }

/** The rows a type's fields read: table aliases in the statement being built. */
type EventRefs = { e: string; a: string; l: string; ar: string }
type AgencyRefs = { a: string }
type AreaRefs = { ar: string }
type Value = { v: SQL }

type Build<R> = (refs: R, selection: Selection, scope: Scope) => SQL
type Field<R> = { type: string | null; build: Build<R> }
type ObjectType<R> = Record<string, Field<R>>

const raw = (text: string) => sql.raw(text)
/** A response key or alias is a GraphQL name (checked by the parser), so it is safe as a literal. */
const key = (name: string) => {
  if (!/^[_A-Za-z][_0-9A-Za-z]*$/.test(name)) throw new Error(`not a field name: ${name}`)
  return raw(`'${name}'`)
}
const value = <R>(build: (refs: R, scope: Scope) => SQL): Field<R> => ({ type: null, build: (refs, _s, scope) => build(refs, scope) })
const column = <R extends Record<string, unknown>>(table: keyof R & string, name: string): Field<R> => value((refs) => raw(`${refs[table] as string}.${name}`))
/** An enum value: GraphQL's names are the services' values in upper case. */
const enumValue = (expr: SQL, scope: Scope) => (scope.dialect === 'graphql' ? sql`upper(${expr}::text)` : expr)
const enumList = (expr: SQL, scope: Scope) => (scope.dialect === 'graphql' ? sql`to_json(ARRAY(SELECT upper(x::text) FROM unnest(${expr}) AS x))` : sql`to_json(${expr})`)
/** Date.prototype.toISOString(): UTC, milliseconds, "Z". */
const utcIso = (expr: string) => `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
/** time.ts's toOffsetIso: wall-clock time in the zone to the second, and the zone's offset (2026-03-10T18:30:00-05:00). */
const localIso = (at: string, zone: string) => {
  const local = `(${at} AT TIME ZONE ${zone})`
  const utcWall = `(${at} AT TIME ZONE 'UTC')`
  return raw(`(to_char(${local}, 'YYYY-MM-DD"T"HH24:MI:SS') || CASE WHEN ${local} < ${utcWall} THEN '-' ELSE '+' END || replace(to_char(${local} - ${utcWall}, 'HH24:MI'), '-', ''))`)
}
/** pagination.ts's encodeCursor: base64url of JSON.stringify({ o, t, id }), byte for byte. */
const cursorOf = (order: string, at: string, id: string) =>
  raw(`rtrim(translate(encode(convert_to('{"o":${JSON.stringify(order)},"t":"' || ${utcIso(at)} || '","id":"' || ${id} || '"}', 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')`)
/**
 * A row's second text (a description, a summary) in the language its title was given in when it has it (most rows), else
 * its own best pick from `preferred` (the title's language first): decision-view.ts's and event-view.ts's fallback.
 */
const secondText = (map: string, l: string, fallback: string, preferred: SQL) =>
  sql`(${raw(map)} ->> CASE WHEN ${raw(map)} ? ${raw(l)}.lang THEN ${raw(l)}.lang ELSE ${pickLanguage(raw(map), preferred, raw(fallback))} END)`

/**
 * language.ts's pickLanguage over a translation map's keys: each preferred tag in turn (exact, case-insensitive, before
 * one sharing its base language), then the fallback if present, then the map's first key. No preferences is the usual
 * case, and a cheap one.
 */
function pickLanguage(map: SQL, preferred: SQL | undefined, fallback: SQL): SQL {
  const fallbackOrFirst = sql`CASE WHEN ${map} ? ${fallback} THEN ${fallback} ELSE (SELECT k FROM jsonb_object_keys(${map}) AS k LIMIT 1) END`
  if (!preferred) return fallbackOrFirst
  return sql`coalesce((SELECT k.key FROM unnest(${preferred}) WITH ORDINALITY AS p(want, rank)
      JOIN jsonb_object_keys(${map}) WITH ORDINALITY AS k(key, place) ON lower(k.key) = lower(p.want) OR split_part(lower(k.key), '-', 1) = split_part(lower(p.want), '-', 1)
      ORDER BY p.rank, lower(k.key) = lower(p.want) DESC, k.place LIMIT 1), ${fallbackOrFirst})`
}

/** A JSON object of the selected fields, in the order asked (GraphQL's response order). */
function object<R>(type: ObjectType<R>, typeName: string, refs: R, selections: Selection[], scope: Scope): SQL {
  if (selections.length > 50) throw new Error('too many fields for one json_build_object')
  const parts = selections.map((s) => sql`${key(s.key)}, ${s.field === '__typename' ? raw(`'${typeName}'`) : type[s.field]!.build(refs, s, scope)}`)
  return parts.length ? sql`json_build_object(${sql.join(parts, sql`, `)})` : sql`'{}'::json`
}

/** A translation map as GraphQL's [Translation!]! list, in the map's own key order. */
const translationList = (map: SQL, s: Selection, scope: Scope) => {
  const t = scope.alias('t')
  return sql`(SELECT coalesce(json_agg(${object(translationType, 'Translation', { v: raw(t) }, s.selections, scope)} ORDER BY ${raw(t)}.place), '[]') FROM jsonb_each_text(${map}) WITH ORDINALITY AS ${raw(t)}(language, text, place))`
}
const translationType: ObjectType<Value> = {
  language: value(({ v }) => sql`${v}.language`),
  text: value(({ v }) => sql`${v}.text`),
}

const addressType: ObjectType<Value> = Object.fromEntries(
  ['street', 'locality', 'region', 'postalCode', 'country'].map((f) => [f, value<Value>(({ v }) => sql`(${v} ->> ${raw(`'${f}'`)})`)]),
)
const dialInType: ObjectType<Value> = {
  number: value(({ v }) => sql`(${v} ->> 'number')`),
  accessCode: value(({ v }) => sql`(${v} ->> 'accessCode')`),
}
/** A jsonb column: REST passes it through; GraphQL builds the object type asked for. */
const jsonbObject = (type: ObjectType<Value>, typeName: string, expr: (refs: EventRefs) => SQL): Field<EventRefs> => ({
  type: typeName,
  build: (refs, s, scope) => (scope.dialect === 'rest' ? expr(refs) : sql`CASE WHEN ${expr(refs)} IS NULL THEN NULL ELSE ${object(type, typeName, { v: expr(refs) }, s.selections, scope)} END`),
})

const geoType: ObjectType<EventRefs> = {
  latitude: column('e', 'latitude'),
  longitude: column('e', 'longitude'),
}
const venueType: ObjectType<EventRefs> = {
  name: column('e', 'venue_name'),
  address: jsonbObject(addressType, 'Address', ({ e }) => raw(`${e}.address`)),
  geo: { type: 'Geo', build: (refs, s, scope) => sql`CASE WHEN ${raw(refs.e)}.latitude IS NOT NULL AND ${raw(refs.e)}.longitude IS NOT NULL THEN ${object(geoType, 'Geo', refs, scope.dialect === 'rest' ? restSelection(geoType) : s.selections, scope)} END` },
}
const onlineType: ObjectType<EventRefs> = {
  joinUrl: column('e', 'join_url'),
  dialIn: jsonbObject(dialInType, 'DialIn', ({ e }) => raw(`${e}.dial_in`)),
  captionsUrl: column('e', 'captions_url'),
}
const eventTranslationsType: ObjectType<EventRefs> = {
  title: { type: 'Translation', build: ({ e }, s, scope) => translationList(raw(`${e}.title`), s, scope) },
  description: { type: 'Translation', build: ({ e }, s, scope) => translationList(raw(`${e}.description`), s, scope) },
}

const areaType: ObjectType<AreaRefs> = {
  id: column('ar', 'id'),
  agencyId: column('ar', 'agency_id'),
  code: column('ar', 'code'),
  name: column('ar', 'name'),
  kind: value(({ ar }, scope) => enumValue(raw(`${ar}.kind`), scope)),
  parentId: column('ar', 'parent_id'),
  boundary: column('ar', 'boundary'),
  agency: { type: 'Agency', build: ({ ar }, s, scope) => agencyOf(raw(`${ar}.agency_id`), s, scope) },
  parent: { type: 'Area', build: ({ ar }, s, scope) => areaOf(raw(`${ar}.parent_id`), s, scope) },
}
const agencyType: ObjectType<AgencyRefs> = {
  id: column('a', 'id'),
  slug: column('a', 'slug'),
  name: column('a', 'name'),
  jurisdiction: column('a', 'jurisdiction'),
  timeZone: column('a', 'time_zone'),
  defaultLanguage: column('a', 'default_language'),
  supportedLanguages: value(({ a }) => raw(`to_json(${a}.supported_languages)`)),
  areas: {
    type: 'Area',
    build: ({ a }, s, scope) => {
      const ar = scope.alias('ar')
      return sql`(SELECT coalesce(json_agg(${object(areaType, 'Area', { ar }, s.selections, scope)} ORDER BY ${raw(ar)}.code), '[]') FROM areas ${raw(ar)} WHERE ${raw(ar)}.agency_id = ${raw(a)}.id)`
    },
  },
}
function agencyOf(id: SQL, s: Selection, scope: Scope): SQL {
  const a = scope.alias('a')
  return sql`(SELECT ${object(agencyType, 'Agency', { a }, s.selections, scope)} FROM agencies ${raw(a)} WHERE ${raw(a)}.id = ${id})`
}
function areaOf(id: SQL, s: Selection, scope: Scope): SQL {
  const ar = scope.alias('ar')
  return sql`(SELECT ${object(areaType, 'Area', { ar }, s.selections, scope)} FROM areas ${raw(ar)} WHERE ${raw(ar)}.id = ${id})`
}

const eventType: ObjectType<EventRefs> = {
  id: column('e', 'id'),
  agencyId: column('e', 'agency_id'),
  agency: { type: 'Agency', build: ({ a }, s, scope) => object(agencyType, 'Agency', { a }, s.selections, scope) },
  title: value(({ e, l }) => raw(`coalesce(${e}.title ->> ${l}.lang, '')`)),
  // The description may exist in fewer languages than the title: it falls back on its own.
  description: value(({ e, a, l }, scope) => secondText(`${e}.description`, l, `${a}.default_language`, sql`array_prepend(${raw(l)}.lang, ${scope.languages})`)),
  contentLanguage: value(({ l }) => raw(`${l}.lang`)),
  availableLanguages: value(({ e }) => raw(`(SELECT coalesce(json_agg(k ORDER BY place), '[]') FROM jsonb_object_keys(${e}.title) WITH ORDINALITY AS k(k, place))`)),
  translations: {
    type: 'EventTranslations',
    build: (refs, s, scope) =>
      scope.dialect === 'rest' ? raw(`json_build_object('title', ${refs.e}.title, 'description', ${refs.e}.description)`) : object(eventTranslationsType, 'EventTranslations', refs, s.selections, scope),
  },
  kind: value(({ e }, scope) => enumValue(raw(`${e}.kind`), scope)),
  format: value(({ e }, scope) => enumValue(raw(`${e}.format`), scope)),
  timeZone: column('e', 'time_zone'),
  venue: {
    type: 'Venue',
    build: (refs, s, scope) =>
      sql`CASE WHEN coalesce(${raw(refs.e)}.venue_name, '') <> '' OR ${raw(refs.e)}.address IS NOT NULL OR ${raw(refs.e)}.latitude IS NOT NULL THEN ${object(venueType, 'Venue', refs, s.selections, scope)} END`,
  },
  areaId: column('e', 'area_id'),
  // The event's area is joined with its row (a hash join over the page beats a lookup per row).
  area: { type: 'Area', build: ({ ar }, s, scope) => sql`CASE WHEN ${raw(ar)}.id IS NULL THEN NULL ELSE ${object(areaType, 'Area', { ar }, s.selections, scope)} END` },
  online: {
    type: 'Online',
    build: (refs, s, scope) =>
      sql`CASE WHEN coalesce(${raw(refs.e)}.join_url, '') <> '' OR ${raw(refs.e)}.dial_in IS NOT NULL OR coalesce(${raw(refs.e)}.captions_url, '') <> '' THEN ${object(onlineType, 'Online', refs, s.selections, scope)} END`,
  },
  languages: value(({ e }) => raw(`to_json(${e}.languages)`)),
  interpretation: value(({ e }) => raw(`to_json(${e}.interpretation)`)),
  accommodations: value(({ e }, scope) => enumList(raw(`${e}.accommodations`), scope)),
  capacity: column('e', 'capacity'),
  registrationRequired: column('e', 'registration_required'),
  hostUnit: column('e', 'host_unit'),
  topics: value(({ e }) => raw(`to_json(${e}.topics)`)),
  coHostIds: value(({ e }) => raw(`(SELECT coalesce(json_agg(c.organization_id ORDER BY c.organization_id), '[]') FROM event_co_hosts c WHERE c.event_id = ${e}.id)`)),
  status: value(({ e }, scope) => enumValue(raw(`${e}.status`), scope)),
  statusReason: column('e', 'status_reason'),
  startsAt: value(({ e }) => localIso(`${e}.starts_at`, `${e}.time_zone`)),
  endsAt: value(({ e }) => localIso(`${e}.ends_at`, `${e}.time_zone`)),
  seriesId: column('e', 'series_id'),
  recurrenceId: value(({ e }) => sql`CASE WHEN ${raw(e)}.recurrence_id IS NULL THEN NULL ELSE ${localIso(`${e}.recurrence_id`, `${e}.time_zone`)} END`),
  sequence: column('e', 'sequence'),
  version: column('e', 'version'),
  createdAt: value(({ e }) => raw(utcIso(`${e}.created_at`))),
  updatedAt: value(({ e }) => raw(utcIso(`${e}.updated_at`))),
  deletedAt: value(({ e }) => raw(`CASE WHEN ${e}.deleted_at IS NULL THEN NULL ELSE ${utcIso(`${e}.deleted_at`)} END`)),
  // The loop at this event, as the public sees it (the service offers these to public callers only).
  feedback: { type: 'EventFeedbackConnection', build: ({ e }, s, scope) => eventFeedback(e, s, scope) },
  decisions: { type: 'Decision', build: ({ e }, s, scope) => decisionsOf('decision_events', 'event_id', `${e}.id`, s, scope) },
}

/**
 * A page of rows under an alias `p`, each with its place `n` and whether a row follows it (`followed`): the page query
 * fetches one row more than `limit`. `cursor` is the row's edge cursor; `node` builds the row's object.
 */
type PageRefs = { p: string; limit: SQL; cursor: SQL; node: (s: Selection, scope: Scope) => SQL; total?: SQL }
const onPage = (refs: PageRefs) => sql`${raw(refs.p)}.n <= ${refs.limit}`
const pageInfoType: ObjectType<PageRefs> = {
  hasNextPage: value(({ p, limit }) => sql`coalesce(bool_or(${raw(p)}.followed) FILTER (WHERE ${raw(p)}.n = ${limit}), false)`),
  hasPreviousPage: value(() => sql`false`),
  startCursor: value((refs) => sql`(array_agg(${refs.cursor} ORDER BY ${raw(refs.p)}.n) FILTER (WHERE ${onPage(refs)}))[1]`),
  endCursor: value((refs) => sql`(array_agg(${refs.cursor} ORDER BY ${raw(refs.p)}.n DESC) FILTER (WHERE ${onPage(refs)}))[1]`),
}
const edgeType = (node: string): ObjectType<PageRefs> => ({
  cursor: value((refs) => refs.cursor),
  node: { type: node, build: (refs, s, scope) => refs.node(s, scope) },
})
/** A Relay connection over a page: edges, nodes and pageInfo (aggregates over the page's rows). */
const connectionType = (edge: string, node: string, extra: ObjectType<PageRefs> = {}): ObjectType<PageRefs> => ({
  edges: {
    type: edge,
    build: (refs, s, scope) => sql`coalesce(json_agg(${object(edgeType(node), edge, refs, s.selections, scope)} ORDER BY ${raw(refs.p)}.n) FILTER (WHERE ${onPage(refs)}), '[]')`,
  },
  nodes: { type: node, build: (refs, s, scope) => sql`coalesce(json_agg(${refs.node(s, scope)} ORDER BY ${raw(refs.p)}.n) FILTER (WHERE ${onPage(refs)}), '[]')` },
  pageInfo: { type: 'PageInfo', build: (refs, s, scope) => object(pageInfoType, 'PageInfo', refs, s.selections, scope) },
  ...extra,
})
const eventConnectionType = connectionType('EventEdge', 'Event')
/** The events page's edge cursor, as connections.ts writes it: exact for a page's last row when more follow, else from the view's (whole-second) start. */
const eventCursor = (p: string, order: string, k: string, limit: SQL) =>
  order === 'events:start'
    ? sql`CASE WHEN ${raw(p)}.n = ${limit} AND ${raw(p)}.followed THEN ${cursorOf(order, `${p}.${k}`, `${p}.id`)} ELSE ${cursorOf(order, `date_trunc('second', ${p}.${k})`, `${p}.id`)} END`
    : cursorOf(order, `${p}.${k}`, `${p}.id`)

// ---- the listening-and-acting loop, as the public sees it: published feedback, decisions and report-backs ----------

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
    joins: sql`JOIN agencies ${raw(a)} ON ${raw(a)}.id = ${raw(table)}.agency_id
      CROSS JOIN LATERAL (SELECT ${pickLanguage(raw(`${table}.${map}`), languages.any ? languages.preferred : undefined, raw(`${a}.default_language`))} AS lang) ${raw(l)}`,
  }
}
/** A second text of the row (summary, rationale) in the row's language, else its own best (decision-view.ts's `text`). */
const alsoIn = ({ t, a, l, languages }: TranslatedRefs, map: string) => secondText(`${t}.${map}`, l, `${a}.default_language`, sql`array_prepend(${raw(l)}.lang, ${languages.preferred})`)
const col = (name: string): Field<TranslatedRefs> => value(({ t }) => raw(`${t}.${name}`))
const instant = (name: string): Field<TranslatedRefs> => value(({ t }) => raw(`CASE WHEN ${t}.${name} IS NULL THEN NULL ELSE ${utcIso(`${t}.${name}`)} END`))
const enumCol = (name: string): Field<TranslatedRefs> => value(({ t }, scope) => enumValue(raw(`${t}.${name}`), scope))

const reportBackType: ObjectType<TranslatedRefs> = {
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

const decisionTranslationsType: ObjectType<TranslatedRefs> = Object.fromEntries(
  ['title', 'summary', 'rationale'].map((f) => [f, { type: 'Translation', build: ({ t }: TranslatedRefs, s: Selection, scope: Scope) => translationList(raw(`${t}.${f}`), s, scope) }]),
)
const decisionType: ObjectType<TranslatedRefs> = {
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
function decisionsOf(link: 'decision_feedback' | 'decision_events', column: string, owner: string, s: Selection, scope: Scope): SQL {
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
const feedbackType: ObjectType<FeedbackRefs> = {
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
const eventFeedbackConnectionType = connectionType('FeedbackEdge', 'Feedback', { totalCount: value(({ total }) => total!) })

/** An event's first `first` published items (by received time) with their total; cursors are Query.feedback's. */
function eventFeedback(event: string, s: Selection, scope: Scope): SQL {
  const first = s.args.first as number
  const p = scope.alias('f')
  const limit = sql`${first}::int`
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
      WINDOW w AS (ORDER BY feedback_items.received_at, feedback_items.id) ORDER BY feedback_items.received_at, feedback_items.id LIMIT ${first + 1}) ${raw(p)})`
}

const types = {
  Event: eventType,
  EventConnection: eventConnectionType,
  EventEdge: edgeType('Event'),
  PageInfo: pageInfoType,
  EventFeedbackConnection: eventFeedbackConnectionType,
  FeedbackEdge: edgeType('Feedback'),
  Feedback: feedbackType,
  Decision: decisionType,
  DecisionTranslations: decisionTranslationsType,
  ReportBack: reportBackType,
  Agency: agencyType,
  Area: areaType,
  Venue: venueType,
  Address: addressType,
  Geo: geoType,
  Online: onlineType,
  DialIn: dialInType,
  EventTranslations: eventTranslationsType,
  Translation: translationType,
} as Record<string, ObjectType<never>>

/** Every field the read path builds, by type (with __typename everywhere), for checking a selection before it is taken. */
export const readableTypes: ReadableTypes = Object.fromEntries(
  Object.entries(types).map(([name, fields]) => [name, { __typename: null, ...Object.fromEntries(Object.entries(fields).map(([f, d]) => [f, d.type])) }]),
)
/** What the read path builds for signed-in callers: events only (the loop's per-role views stay with the services). */
export const signedInReadableTypes: ReadableTypes = {
  ...readableTypes,
  Event: Object.fromEntries(Object.entries(readableTypes.Event!).filter(([f]) => f !== 'feedback' && f !== 'decisions')),
}

/** The whole of a type, as REST's views show it (REST asks for every field). */
function restSelection(type: ObjectType<never>): Selection[] {
  return Object.keys(type).map((f) => ({ key: f, field: f, args: {}, selections: [] }))
}
const restEventFields: Selection[] = [
  'id', 'agencyId', 'title', 'description', 'contentLanguage', 'availableLanguages', 'translations', 'kind', 'format', 'timeZone', 'venue', 'areaId', 'online',
  'languages', 'interpretation', 'accommodations', 'capacity', 'registrationRequired', 'hostUnit', 'topics', 'coHostIds', 'status', 'statusReason',
  'startsAt', 'endsAt', 'seriesId', 'recurrenceId', 'sequence', 'version', 'createdAt', 'updatedAt', 'deletedAt',
].map((f) => ({ key: f, field: f, args: {}, selections: f === 'venue' ? restSelection(venueType as never) : f === 'online' ? restSelection(onlineType as never) : [] }))

/** One root field of a read: the events page or one event, with who may see what. */
export type EventsPageRead = { kind: 'eventsPage'; selection: Selection; filter: EventFilter; visibility: EventVisibility; cursor: Cursor | undefined; limit: number }
export type EventRead = { kind: 'event'; selection: Selection; id: string; visibility: EventVisibility }
export type RootRead = EventsPageRead | EventRead

const columns = raw(eventColumnNames.map((c) => `events.${c}`).join(', '))

export function createReadsRepository(database: Pick<Database, 'prepared'>) {
  /** Where an event read takes its rows from: the events (one, or a page and one row more) with agency, area and language. */
  function eventSource(read: RootRead, scope: Scope) {
    const a = scope.alias('a')
    const l = scope.alias('l')
    const ar = scope.alias('ar')
    const e = scope.alias(read.kind === 'event' ? 'e' : 'p')
    const joins = sql`JOIN agencies ${raw(a)} ON ${raw(a)}.id = ${raw(e)}.agency_id LEFT JOIN areas ${raw(ar)} ON ${raw(ar)}.id = ${raw(e)}.area_id
      CROSS JOIN LATERAL (SELECT ${pickLanguage(raw(`${e}.title`), scope.anyLanguage ? scope.languages : undefined, raw(`${a}.default_language`))} AS lang) ${raw(l)}`
    const event = (selections: Selection[]) => object(eventType, 'Event', { e, a, l, ar }, selections, scope)
    if (read.kind === 'event') return { from: sql`(SELECT ${columns} FROM events WHERE ${eventConditions({ id: read.id }, read.visibility, undefined)}) ${raw(e)} ${joins}`, event, e, l }
    const syncing = read.filter.updatedSince !== undefined
    const order = syncing ? 'events:updated' : 'events:start'
    const k = syncing ? 'updated_at' : 'starts_at'
    const limit = sql`${read.limit}::int`
    // The page and one row more: `followed` says whether the last row shown has a successor, as the REST page's nextCursor does.
    const page = sql`SELECT ${columns}, row_number() OVER w AS n, lead(events.id) OVER w IS NOT NULL AS followed FROM events
      WHERE ${eventConditions(read.filter, read.visibility, read.cursor)} WINDOW w AS (ORDER BY events.${raw(k)}, events.id) ORDER BY events.${raw(k)}, events.id LIMIT ${read.limit + 1}`
    const refs: PageRefs = { p: e, limit, cursor: eventCursor(e, order, k, limit), node: (s) => event(s.selections) }
    // The page's next cursor, as toPage writes it: the last row's exact sort key, when a row follows it.
    const next = sql`(array_agg(${cursorOf(order, `${e}.${k}`, `${e}.id`)}) FILTER (WHERE ${raw(e)}.n = ${limit} AND ${raw(e)}.followed))[1]`
    return { from: sql`(${page}) ${raw(e)} ${joins}`, event, e, l, refs, next }
  }

  function root(read: RootRead, scope: Scope): SQL {
    const source = eventSource(read, scope)
    if (!source.refs) return sql`(SELECT ${source.event(read.selection.selections)} FROM ${source.from})`
    return sql`(SELECT ${object(eventConnectionType, 'EventConnection', source.refs, read.selection.selections, scope)} FROM ${source.from})`
  }

  /** The roots of one request in one statement: {"key": value, …} as JSON text, and which roots are null. */
  function rootsStatement(reads: RootRead[], scope: Scope): SQL {
    const roots = reads.map((r, i) => ({ key: r.selection.key, at: raw(`r${i}`), expr: root(r, scope) }))
    // OFFSET 0: each root is built once, not once per mention.
    return sql`SELECT json_build_object(${sql.join(roots.map((r) => sql`${key(r.key)}, ${r.at}.v`), sql`, `)})::text AS data,
      ARRAY[${sql.join(roots.map((r) => sql`${r.at}.v IS NULL`), sql`, `)}] AS missing
      FROM ${sql.join(roots.map((r) => sql`(SELECT ${r.expr} AS v OFFSET 0) ${r.at}`), sql` CROSS JOIN `)}`
  }
  /** Statements already built for reads a caller keeps (the doors' plan caches): built and rendered once, run again. */
  const built = new WeakMap<object, RenderedSql>()
  const once = (plan: object, build: () => SQL): RenderedSql => {
    let statement = built.get(plan)
    if (!statement) built.set(plan, (statement = renderSql(build())))
    return statement
  }

  const scopeOf = (dialect: Dialect, languages: { preferred: string[]; accepted: string[] }): Scope => {
    let n = 0
    return {
      dialect,
      languages: sql`${sql.param(languages.preferred)}::text[]`,
      anyLanguage: languages.preferred.length > 0,
      accepted: sql`${sql.param(languages.accepted)}::text[]`,
      anyAccepted: languages.accepted.length > 0,
      alias: (prefix) => `${prefix}${++n}`,
    }
  }

  return {
    /** The reads of one request as one statement: {"key": value, …} as JSON text built by PostgreSQL, and which roots are null. */
    async json(reads: RootRead[], dialect: Dialect, languages: { preferred: string[]; accepted: string[] }): Promise<{ json: string; missing: boolean[] }> {
      const statement = once(reads, () => rootsStatement(reads, scopeOf(dialect, languages)))
      const [row] = await database.prepared<{ data: string; missing: boolean[] }>(statement)
      return { json: row!.data, missing: row!.missing }
    },
    /** REST's page of events, {data, nextCursor}, as JSON text; the next cursor also apart, for the Link header. */
    async restEventsPage(read: EventsPageRead, languages: string[]): Promise<{ body: string; nextCursor: string | null }> {
      const statement = once(read, () => {
        const source = eventSource(read, scopeOf('rest', { preferred: languages, accepted: [] }))
        return sql`SELECT
          json_build_object('data', coalesce(json_agg(${source.event(restEventFields)} ORDER BY ${raw(source.e)}.n) FILTER (WHERE ${onPage(source.refs!)}), '[]'), 'nextCursor', ${source.next!})::text AS body,
          ${source.next!} AS next FROM ${source.from}`
      })
      const [row] = await database.prepared<{ body: string; next: string | null }>(statement)
      return { body: row!.body, nextCursor: row!.next }
    },

    /** REST's view of one event as JSON text, with its version and language for ETag and Content-Language; undefined when not visible. */
    async restEvent(read: EventRead, languages: string[]): Promise<{ body: string; version: number; contentLanguage: string | null } | undefined> {
      const statement = once(read, () => {
        const source = eventSource(read, scopeOf('rest', { preferred: languages, accepted: [] }))
        return sql`SELECT ${source.event(restEventFields)}::text AS body, ${raw(source.e)}.version, ${raw(source.l)}.lang AS language FROM ${source.from}`
      })
      const [row] = await database.prepared<{ body: string; version: number; language: string | null }>(statement)
      return row && { body: row.body, version: row.version, contentLanguage: row.language }
    },
  }
}
export type ReadsRepository = ReturnType<typeof createReadsRepository>
