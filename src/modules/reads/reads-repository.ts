// The read path's SQL: a selection becomes one statement in which PostgreSQL builds the response's JSON
// (json_build_object over correlated subqueries, keyset paging inside), and Node passes the text through.
// Values are written as the views write them (event-view.ts, agencies-service.ts); the building blocks are in
// src/db/json-select.ts, the loop's types in loop-reads-repository.ts.
import { sql, type SQL } from 'drizzle-orm'
import { renderSql, type Database, type RenderedSql } from '../../db/client.ts'
import { eventColumnNames, eventConditions, type EventFilter, type EventVisibility } from '../events/events-repository.ts'
import type { Cursor } from '../shared/pagination.ts'
import { cappedCountSql, DEFAULT_TOTAL_COUNT_CAP } from '../../db/counting.ts'
import {
  cappedTotalFields, connectionType, cursorOf, enumList, enumValue, key, localIso, object, onPage, pageInfoType, edgeType, pickLanguage, raw, secondLanguage,
  objectColumns, translationList, translationType, utcIso, value, column,
  type Field, type ObjectType, type PageRefs, type Scope, type Value,
} from '../../db/json-select.ts'
import { decisionsOf, pageSize, decisionTranslationsType, decisionType, eventFeedback, eventFeedbackConnectionType, feedbackType, reportBackType } from './loop-reads-repository.ts'
import type { Dialect, ReadableTypes, Selection } from './selection.ts'

/** The rows a type's fields read: table aliases in the statement being built. */
type EventRefs = { e: string; a: string; l: string; ar: string }
type AgencyRefs = { a: string }
type AreaRefs = { ar: string }

const addressType: ObjectType<Value> = Object.fromEntries(
  ['street', 'locality', 'region', 'postalCode', 'country'].map((f) => [f, value<Value>(({ v }) => sql`(${v} ->> ${raw(`'${f}'`)})`)]),
)
const contactType: ObjectType<Value> = Object.fromEntries(['email', 'phone', 'url', 'address'].map((f) => [f, value<Value>(({ v }) => sql`(${v} ->> ${raw(`'${f}'`)})`)]))
const dialInType: ObjectType<Value> = {
  number: value(({ v }) => sql`(${v} ->> 'number')`),
  accessCode: value(({ v }) => sql`(${v} ->> 'accessCode')`),
}
/** A jsonb column: REST passes it through; GraphQL builds the object type asked for. */
const jsonbObject = <R,>(type: ObjectType<Value>, typeName: string, expr: (refs: R) => SQL): Field<R> => ({
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
  population: column('ar', 'population'),
  version: column('ar', 'version'),
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
  contact: jsonbObject(contactType, 'AgencyContact', ({ a }) => raw(`${a}.contact`)),
  version: column('a', 'version'),
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
  // The description may exist in fewer languages than the title: it falls back on its own (picked in eventSource).
  description: value(({ e, l }) => raw(`(${e}.description ->> ${l}.description_lang)`)),
  contentLanguage: value(({ l }) => raw(`${l}.lang`)),
  descriptionLanguage: value(({ l }) => raw(`${l}.description_lang`)),
  // ARRAY(subquery) keeps the keys in the order jsonb_object_keys gives them (jsonb's own), without a sort per row.
  availableLanguages: value(({ e }) => raw(`to_json(ARRAY(SELECT jsonb_object_keys(${e}.title)))`)),
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
  startsAt: value(({ e }) => localIso(`${e}.starts_at_local`, `${e}.starts_at`)),
  endsAt: value(({ e }) => localIso(`${e}.ends_at_local`, `${e}.ends_at`)),
  // Near me is the resolvers' (reads-service declines it): every read here is ordered by time, with no distance.
  distance: value(() => raw('NULL')),
  seriesId: column('e', 'series_id'),
  recurrenceId: value(({ e }) => sql`CASE WHEN ${raw(e)}.recurrence_id IS NULL THEN NULL ELSE ${localIso(`${e}.recurrence_id_local`, `${e}.recurrence_id`)} END`),
  sequence: column('e', 'sequence'),
  version: column('e', 'version'),
  createdAt: value(({ e }) => raw(utcIso(`${e}.created_at`))),
  updatedAt: value(({ e }) => raw(utcIso(`${e}.updated_at`))),
  deletedAt: value(({ e }) => raw(`CASE WHEN ${e}.deleted_at IS NULL THEN NULL ELSE ${utcIso(`${e}.deleted_at`)} END`)),
  // The loop at this event, as the public sees it (the service offers these to public callers only).
  feedback: { type: 'EventFeedbackConnection', build: ({ e }, s, scope) => eventFeedback(e, s, scope) },
  decisions: { type: 'Decision', build: ({ e }, s, scope) => decisionsOf('decision_events', 'event_id', `${e}.id`, s, scope) },
}

const eventConnectionType = connectionType('EventEdge', 'Event', cappedTotalFields)
/** The events page's edge cursor, as connections.ts writes it: exact for a page's last row when more follow, else from the view's (whole-second) start. */
const eventCursor = (p: string, order: string, k: string, limit: SQL) =>
  order === 'events:start'
    ? sql`CASE WHEN ${raw(p)}.n = ${limit} AND ${raw(p)}.followed THEN ${cursorOf(order, `${p}.${k}`, `${p}.id`)} ELSE ${cursorOf(order, `date_trunc('second', ${p}.${k})`, `${p}.id`)} END`
    : cursorOf(order, `${p}.${k}`, `${p}.id`)

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
  'id', 'agencyId', 'title', 'description', 'contentLanguage', 'descriptionLanguage', 'availableLanguages', 'translations', 'kind', 'format', 'timeZone', 'venue', 'areaId', 'online',
  'languages', 'interpretation', 'accommodations', 'capacity', 'registrationRequired', 'hostUnit', 'topics', 'coHostIds', 'status', 'statusReason',
  'startsAt', 'endsAt', 'seriesId', 'recurrenceId', 'sequence', 'version', 'createdAt', 'updatedAt', 'deletedAt',
].map((f) => ({ key: f, field: f, args: {}, selections: f === 'venue' ? restSelection(venueType as never) : f === 'online' ? restSelection(onlineType as never) : [] }))

/**
 * One root field of a read: the events page or one event, with who may see what. `count`: whether the page's total is
 * built too (GraphQL: totalCount selected; REST: ?count=true).
 */
export type EventsPageRead = { kind: 'eventsPage'; selection: Selection; filter: EventFilter; visibility: EventVisibility; cursor: Cursor | undefined; limit: number; count: boolean }
export type EventRead = { kind: 'event'; selection: Selection; id: string; visibility: EventVisibility }
export type RootRead = EventsPageRead | EventRead

/**
 * The columns an event read takes, and each instant in the event's own zone, converted once (a field in the zone reads it
 * thrice, and converting is its costly part); PostgreSQL leaves out whichever no field reads.
 */
const localTimes = ['starts_at', 'ends_at', 'recurrence_id'].map((c) => `events.${c} AT TIME ZONE events.time_zone AS ${c}_local`)
const columns = raw([...eventColumnNames.map((c) => `events.${c}`), ...localTimes].join(', '))
/** The id a planned one-event statement is built with, replaced by the id asked for (it names no event: version 4 is random, this is fixed). */
const ID_SLOT = '00000000-0000-4000-8000-00000000519d'

/** A statement built with stand-in ids, bound to the ids asked for: each parameter that is a stand-in becomes its id. */
const bound = ({ sql: text, params }: RenderedSql, bind: ReadonlyMap<string, string>): RenderedSql => ({
  sql: text,
  params: params.map((p) => (typeof p === 'string' && bind.get(p)) || p),
})

/** `totalCountCap`: how many rows a page's total counts at most (TOTAL_COUNT_CAP). */
export function createReadsRepository(database: Pick<Database, 'prepared'>, totalCountCap = DEFAULT_TOTAL_COUNT_CAP) {
  /**
   * Where an event read takes its rows from: the events (one, or a page and one row more) with agency, area and language;
   * with `row`, each event's fields of it as the columns of a row `r` (REST's views: whole rows, written by row_to_json).
   */
  function eventSource(read: RootRead, scope: Scope, row?: Selection[]) {
    const a = scope.alias('a')
    const l = scope.alias('l')
    const ar = scope.alias('ar')
    const e = scope.alias(read.kind === 'event' ? 'e' : 'p')
    const pick = scope.alias('pick')
    // The row's languages: the title's pick, and the description's (its own when it lacks the title's). OFFSET 0 works
    // them out once a row, not inlined (with their subqueries) into every field that reads them.
    const languages = sql`SELECT ${raw(pick)}.lang, ${secondLanguage(`${e}.description`, pick, `${a}.default_language`, sql`array_prepend(${raw(pick)}.lang, ${scope.languages})`)} AS description_lang
      FROM (SELECT ${pickLanguage(raw(`${e}.title`), scope.anyLanguage ? scope.languages : undefined, raw(`${a}.default_language`))} AS lang) ${raw(pick)} OFFSET 0`
    const r = scope.alias('r')
    const rowJoin = row ? sql` CROSS JOIN LATERAL (SELECT ${objectColumns(eventType, 'Event', { e, a, l, ar }, row, scope)}) ${raw(r)}` : sql``
    const joins = sql`JOIN agencies ${raw(a)} ON ${raw(a)}.id = ${raw(e)}.agency_id LEFT JOIN areas ${raw(ar)} ON ${raw(ar)}.id = ${raw(e)}.area_id
      CROSS JOIN LATERAL (${languages}) ${raw(l)}${rowJoin}`
    const event = (selections: Selection[]) => object(eventType, 'Event', { e, a, l, ar }, selections, scope)
    if (read.kind === 'event') return { from: sql`(SELECT ${columns} FROM events WHERE ${eventConditions({ id: read.id }, read.visibility, undefined)}) ${raw(e)} ${joins}`, event, e, l, r }
    const syncing = read.filter.updatedSince !== undefined
    const order = syncing ? 'events:updated' : 'events:start'
    const k = syncing ? 'updated_at' : 'starts_at'
    // A known LIMIT (a validated integer, see pageSize) lets PostgreSQL keep one generic plan for the prepared statement.
    const limit = raw(String(pageSize(read.limit)))
    // The page and one row more: `followed` says whether the last row shown has a successor, as the REST page's nextCursor does.
    const page = sql`SELECT ${columns}, row_number() OVER w AS n, lead(events.id) OVER w IS NOT NULL AS followed FROM events
      WHERE ${eventConditions(read.filter, read.visibility, read.cursor)} WINDOW w AS (ORDER BY events.${raw(k)}, events.id) ORDER BY events.${raw(k)}, events.id LIMIT ${raw(String(pageSize(read.limit) + 1))}`
    // The total counts the page's own rows without the cursor: one row always (LEFT JOIN), even under an empty page.
    const t = scope.alias('t')
    const capped = read.count ? { count: raw(`${t}.n`), cap: totalCountCap } : undefined
    const refs: PageRefs = { p: e, limit, cursor: eventCursor(e, order, k, limit), node: (s) => event(s.selections), ...(capped ? { capped } : {}) }
    // The page's next cursor, as toPage writes it: the last row's exact sort key, when a row follows it.
    const next = sql`(array_agg(${cursorOf(order, `${e}.${k}`, `${e}.id`)}) FILTER (WHERE ${raw(e)}.n = ${limit} AND ${raw(e)}.followed))[1]`
    const from = sql`(${page}) ${raw(e)} ${joins}`
    if (!capped) return { from, event, e, l, r, refs, next }
    const counted = cappedCountSql(sql`SELECT 1 FROM events WHERE ${eventConditions(read.filter, read.visibility, undefined)}`, totalCountCap)
    // OFFSET 0 keeps the count a subquery of its own: counted once, not once per field that reads it.
    return { from: sql`(SELECT ${counted} AS n OFFSET 0) ${raw(t)} LEFT JOIN (${from}) ON true`, event, e, l, r, refs, next, capped }
  }

  function root(read: RootRead, scope: Scope): SQL {
    const source = eventSource(read, scope)
    if (!source.refs) return sql`(SELECT ${source.event(read.selection.selections)} FROM ${source.from})`
    // GROUP BY (): one connection even when the page is empty or no field aggregates (only __typename or a total).
    return sql`(SELECT ${object(eventConnectionType, 'EventConnection', source.refs, read.selection.selections, scope)} FROM ${source.from} GROUP BY ())`
  }

  /** REST's total beside the page (counting.ts), as GraphQL's connection writes it. */
  const restTotal = (refs: PageRefs, scope: Scope) =>
    sql.join(['totalCount', 'totalCountIsEstimate'].map((f) => sql`, ${key(f)}, ${cappedTotalFields[f]!.build(refs, { key: f, field: f, args: {}, selections: [] }, scope)}`))

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
    async json(reads: RootRead[], dialect: Dialect, languages: { preferred: string[]; accepted: string[] }, bind?: ReadonlyMap<string, string>): Promise<{ json: string; missing: boolean[] }> {
      const statement = once(reads, () => rootsStatement(reads, scopeOf(dialect, languages)))
      const [row] = await database.prepared<{ data: string; missing: boolean[] }>(bind ? bound(statement, bind) : statement)
      return { json: row!.data, missing: row!.missing }
    },
    /** REST's page of events, {data, nextCursor} (and its total when asked), as JSON text; the next cursor also apart, for the Link header. */
    async restEventsPage(read: EventsPageRead, languages: string[]): Promise<{ body: string; nextCursor: string | null }> {
      const statement = once(read, () => {
        const scope = scopeOf('rest', { preferred: languages, accepted: [] })
        const source = eventSource(read, scope, restEventFields)
        return sql`SELECT
          json_build_object('data', coalesce(json_agg(${raw(source.r)} ORDER BY ${raw(source.e)}.n) FILTER (WHERE ${onPage(source.refs!)}), '[]'), 'nextCursor', ${source.next!}${source.capped ? restTotal(source.refs!, scope) : sql``})::text AS body,
          ${source.next!} AS next FROM ${source.from}`
      })
      const [row] = await database.prepared<{ body: string; next: string | null }>(statement)
      return { body: row!.body, nextCursor: row!.next }
    },

    /** REST's view of one event as JSON text, with its version and language for ETag and Content-Language; undefined when not visible. */
    async restEvent(plan: Omit<EventRead, 'id'>, id: string, languages: string[]): Promise<{ body: string; version: number; contentLanguage: string | null; descriptionLanguage: string | null } | undefined> {
      // Built once per plan with a stand-in id, then bound to each request's id: one statement serves every event.
      const template = once(plan, () => {
        const source = eventSource({ ...plan, id: ID_SLOT }, scopeOf('rest', { preferred: languages, accepted: [] }), restEventFields)
        const r = raw(source.r)
        return sql`SELECT row_to_json(${r})::text AS body, ${raw(source.e)}.version, ${raw(source.l)}.lang AS language, ${r}."descriptionLanguage" AS description_language FROM ${source.from}`
      })
      const [row] = await database.prepared<{ body: string; version: number; language: string | null; description_language: string | null }>(bound(template, new Map([[ID_SLOT, id]])))
      return row && { body: row.body, version: row.version, contentLanguage: row.language, descriptionLanguage: row.description_language }
    },
  }
}
export type ReadsRepository = ReturnType<typeof createReadsRepository>
