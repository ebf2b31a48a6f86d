// SQL for insights: the raw aggregates one agency's canonical tables are built from, and the change watermark.
import { sql } from 'drizzle-orm'
import type { Db, Queryable } from '../../db/client.ts'
import type { AnswerRow, ConcernRow } from './community-trust.ts'
import type { DaysRow, FeedbackRow, SurveyRow } from './insight-tables.ts'

type Rows<T> = { rows?: T[] } | T[]
const rowsOf = <T>(result: Rows<T>): T[] => (Array.isArray(result) ? result : (result.rows ?? []))

export type RawEvent = { id: string; areaId: string | null; startsAt: string; timeZone: string; format: string; kind: string; languages: string[]; interpretation: string[]; counted: boolean; headCount: number }
export type RawPerson = { eventId: string; answers: Record<string, string | string[] | null> }
/** The newest change to each source the insights read (timestamps as text), or null where it has no rows. */
export type Watermark = {
  events: string | null; attendances: string | null; participants: string | null; demographics: string | null; headCounts: string | null; feedback: string | null; transitions: string | null; surveys: string | null
  /** Rows written lately whatever their time: answers after police contact are dated to their week, their comments to their day, so a new one may not raise a maximum. */
  recentFeedback: string; recentSurveys: string
}
/** How far back a row's own time may be coarsened from when it was written (a contact answer to its week's Monday; its comment to its day). */
const COARSENED = { feedback: sql`interval '2 days'`, surveys: sql`interval '8 days'` }
/** A month or quarter as local dates in the agency's zone: the first day, and the first day after it. */
export type PeriodRange = { from: string; to: string }
/** The first and last month with feedback and quarter with events, or null where there are none. */
export type PeriodSpan = { firstMonth: string | null; lastMonth: string | null; firstQuarter: string | null; lastQuarter: string | null }

export function createInsightsRepository(db: Queryable) {
  const run = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => rowsOf<T>((await db.execute(query)) as unknown as Rows<T>)

  return {
    /**
     * The newest change to each source an insight reads: each is an indexed max() on (agency_id, updated_at), so
     * checking costs a few index probes however large the tables are.
     */
    async watermark(agencyId: string, now: Date): Promise<Watermark> {
      const at = now.toISOString()
      const [row] = await run<Watermark>(sql`
        select (select max(updated_at) from events where agency_id = ${agencyId})::text as events,
               (select max(updated_at) from attendances where agency_id = ${agencyId})::text as attendances,
               (select max(updated_at) from participants where agency_id = ${agencyId})::text as participants,
               (select max(updated_at) from participant_demographics where agency_id = ${agencyId})::text as demographics,
               (select max(updated_at) from event_head_counts where agency_id = ${agencyId})::text as "headCounts",
               (select max(updated_at) from feedback_items where agency_id = ${agencyId})::text as feedback,
               (select max(at) from feedback_transitions where agency_id = ${agencyId})::text as transitions,
               (select max(created_at) from survey_responses where agency_id = ${agencyId})::text as surveys,
               (select count(*) from feedback_items where agency_id = ${agencyId} and updated_at >= ${at}::timestamptz - ${COARSENED.feedback})::text as "recentFeedback",
               (select count(*) from survey_responses where agency_id = ${agencyId} and created_at >= ${at}::timestamptz - ${COARSENED.surveys})::text as "recentSurveys"`)
      return row!
    },

    /** The months with feedback and the quarters with events (agency time), first and last: min/max on indexes. */
    async span(agencyId: string, timeZone: string): Promise<PeriodSpan> {
      const [row] = await run<PeriodSpan>(sql`
        select to_char((select min(received_at) from feedback_items where agency_id = ${agencyId} and deleted_at is null) at time zone ${timeZone}, 'YYYY-MM') as "firstMonth",
               to_char((select max(received_at) from feedback_items where agency_id = ${agencyId} and deleted_at is null) at time zone ${timeZone}, 'YYYY-MM') as "lastMonth",
               -- Quarters hold meetings, and online-only survey responses by when they were given.
               to_char(least((select min(starts_at) from events where agency_id = ${agencyId} and deleted_at is null),
                             (select min(created_at) from survey_responses where agency_id = ${agencyId} and event_id is null)) at time zone ${timeZone}, 'YYYY-"Q"Q') as "firstQuarter",
               to_char(greatest((select max(starts_at) from events where agency_id = ${agencyId} and deleted_at is null),
                                (select max(created_at) from survey_responses where agency_id = ${agencyId} and event_id is null)) at time zone ${timeZone}, 'YYYY-"Q"Q') as "lastQuarter"`)
      return row!
    },

    /**
     * The months and quarters whose tables changed since `since` (each source after its own watermark), and
     * the events changed (an event that moved quarter also changed the quarter it left). Index range scans on
     * (agency_id, updated_at) and joins to what they touch.
     */
    async changedSince(agencyId: string, timeZone: string, since: Watermark): Promise<{ months: string[]; quarters: string[]; events: string[] }> {
      const at = (w: string | null) => w ?? '-infinity'
      const month = (column: string) => sql`to_char(${sql.raw(column)} at time zone ${timeZone}, 'YYYY-MM')`
      const quarter = sql`to_char(e.starts_at at time zone ${timeZone}, 'YYYY-"Q"Q')`
      const rows = await run<{ unit: 'month' | 'quarter' | 'event'; value: string }>(sql`
        select 'month' as unit, ${month('f.received_at')} as value from feedback_items f where f.agency_id = ${agencyId} and f.updated_at > ${at(since.feedback)}::timestamptz - ${COARSENED.feedback}
        union select 'month', ${month('f.received_at')} from feedback_transitions t join feedback_items f on f.id = t.feedback_id where t.agency_id = ${agencyId} and t.at > ${at(since.transitions)}::timestamptz
        union select 'month', ${month('f.received_at')} from events e join feedback_items f on f.event_id = e.id where e.agency_id = ${agencyId} and e.updated_at > ${at(since.events)}::timestamptz
        union select 'quarter', ${quarter} from events e where e.agency_id = ${agencyId} and e.updated_at > ${at(since.events)}::timestamptz
        union select 'event', e.id::text from events e where e.agency_id = ${agencyId} and e.updated_at > ${at(since.events)}::timestamptz
        union select 'quarter', ${quarter} from attendances a join events e on e.id = a.event_id where a.agency_id = ${agencyId} and a.updated_at > ${at(since.attendances)}::timestamptz
        union select 'quarter', ${quarter} from event_head_counts h join events e on e.id = h.event_id where h.agency_id = ${agencyId} and h.updated_at > ${at(since.headCounts)}::timestamptz
        union select 'quarter', ${quarter} from survey_responses s join events e on e.id = s.event_id where s.agency_id = ${agencyId} and s.created_at > ${at(since.surveys)}::timestamptz - ${COARSENED.surveys}
        union select 'quarter', to_char(s.created_at at time zone ${timeZone}, 'YYYY-"Q"Q') from survey_responses s where s.agency_id = ${agencyId} and s.event_id is null and s.created_at > ${at(since.surveys)}::timestamptz - ${COARSENED.surveys}
        union select 'quarter', ${quarter} from participant_demographics d join attendances a on a.participant_id = d.participant_id join events e on e.id = a.event_id
              where d.agency_id = ${agencyId} and d.updated_at > ${at(since.demographics)}::timestamptz
        union select 'quarter', ${quarter} from participants p join attendances a on a.participant_id = p.id join events e on e.id = a.event_id
              where p.agency_id = ${agencyId} and p.updated_at > ${at(since.participants)}::timestamptz`)
      const of = (unit: string) => rows.filter((r) => r.unit === unit && r.value !== null).map((r) => r.value)
      return { months: of('month'), quarters: of('quarter'), events: of('event') }
    },

    /** Every live event of a quarter, whether it counts for reach (held or to be held), with its latest head count. */
    events(agencyId: string, timeZone: string, range: PeriodRange): Promise<RawEvent[]> {
      return run<RawEvent>(sql`
        select e.id, e.area_id as "areaId", to_char(e.starts_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "startsAt",
               e.time_zone as "timeZone", e.format::text as format, e.kind::text as kind, e.languages, e.interpretation,
               (e.status in ('scheduled', 'completed')) as counted,
               coalesce((select h.count from event_head_counts h where h.event_id = e.id and h.deleted_at is null order by h.counted_at desc limit 1), 0)::int as "headCount"
        from events e
        where e.agency_id = ${agencyId} and e.deleted_at is null and ${within(sql`e.starts_at`, timeZone, range)}`)
    },

    /** Each participant once in a quarter (agency time), at the first meeting they attended in it, with their answers. */
    people(agencyId: string, timeZone: string, range: PeriodRange): Promise<RawPerson[]> {
      return run<RawPerson>(sql`
        select f.event_id as "eventId",
               json_build_object('ageBand', d.age_band, 'gender', d.gender, 'raceEthnicity', d.race_ethnicity, 'sexualOrientation', d.sexual_orientation,
                                 'faith', d.faith, 'disability', d.disability, 'incomeBand', d.income_band, 'occupation', d.occupation) as answers
        from (
          select distinct on (a.participant_id) a.participant_id, a.event_id
          from attendances a join events e on e.id = a.event_id
          where a.agency_id = ${agencyId} and a.status = 'attended' and a.deleted_at is null and e.deleted_at is null
            and e.agency_id = ${agencyId} and ${within(sql`e.starts_at`, timeZone, range)}
          order by a.participant_id, e.starts_at, a.event_id
        ) f
        join participants p on p.id = f.participant_id and p.deleted_at is null and p.erased_at is null
        left join participant_demographics d on d.participant_id = f.participant_id`)
    },

    /** A month's feedback counted by the canonical dimensions, with how many reached each step. */
    feedback(agencyId: string, timeZone: string, range: PeriodRange): Promise<FeedbackRow[]> {
      return run<FeedbackRow>(sql`
        select ${dims(timeZone)},
               count(*)::int as received,
               count(*) filter (where f.acknowledged_at is not null)::int as acknowledged,
               count(*) filter (where f.status = 'addressed' or h.addressed)::int as addressed,
               count(*) filter (where f.status = 'declined' or h.declined)::int as declined,
               count(*) filter (where f.reported_back_at is not null or f.status = 'reported_back')::int as "reportedBack"
        ${feedbackFrom(agencyId, timeZone, range, sql`
          -- the month's items that were ever addressed or declined, from their history in one pass (a hash join, not a probe per item)
          left join (select t.feedback_id, bool_or(t.to_status = 'addressed') as addressed, bool_or(t.to_status = 'declined') as declined
                     from feedback_transitions t join feedback_items i on i.id = t.feedback_id
                     where t.agency_id = ${agencyId} and t.to_status in ('addressed', 'declined') and i.agency_id = ${agencyId} and ${within(sql`i.received_at`, timeZone, range)}
                     group by t.feedback_id) h on h.feedback_id = f.id`)}
        group by 1, 2, 3, 4, 5, 6, 7`)
    },

    /** A month's whole days from received to each milestone, counted by the canonical dimensions. */
    days(agencyId: string, timeZone: string, range: PeriodRange): Promise<DaysRow[]> {
      const part = (milestone: string, column: string) => sql`
        select ${dims(timeZone)}, ${sql.raw(`'${milestone}'::text`)} as milestone,
               greatest(0, floor(extract(epoch from (${sql.raw(column)} - f.received_at)) / 86400))::int as days, count(*)::int as count
        ${feedbackFrom(agencyId, timeZone, range)} and ${sql.raw(column)} is not null
        group by 1, 2, 3, 4, 5, 6, 7, 8, 9`
      return run<DaysRow>(sql`${part('acknowledged', 'f.acknowledged_at')} union all ${part('decided', 'f.decided_at')} union all ${part('reportedBack', 'f.reported_back_at')}`)
    },

    /**
     * Survey responses of a quarter: per event held in it (with the event's topics), and online-only ones given in it
     * (agency time) per area and topic; how many, and per principle how many answered and their sum.
     */
    surveys(agencyId: string, timeZone: string, range: PeriodRange): Promise<SurveyRow[]> {
      const scores = sql`count(*)::int as responses,
               count(s.dignity)::int as "dignityN", coalesce(sum(s.dignity), 0)::int as "dignitySum",
               count(s.voice)::int as "voiceN", coalesce(sum(s.voice), 0)::int as "voiceSum",
               count(s.neutrality)::int as "neutralityN", coalesce(sum(s.neutrality), 0)::int as "neutralitySum",
               count(s.trust)::int as "trustN", coalesce(sum(s.trust), 0)::int as "trustSum"`
      return run<SurveyRow>(sql`
        select s.event_id as "eventId", e.topics, null::text as area, null::text as "contactKind", ${scores}
        from survey_responses s join events e on e.id = s.event_id
        where s.agency_id = ${agencyId} and e.agency_id = ${agencyId} and ${within(sql`e.starts_at`, timeZone, range)}
        group by s.event_id, e.topics
        union all
        select null::uuid, case when t.code is null then '{}'::text[] else array[t.code] end, coalesce(s.area_id::text, ''), s.contact_kind, ${scores}
        from survey_responses s left join feedback_topics t on t.id = s.topic_id
        where s.agency_id = ${agencyId} and s.event_id is null and ${within(sql`s.created_at`, timeZone, range)}
        group by s.area_id, t.code, s.contact_kind`)
    },

    /**
     * Every survey answer of the agency, one row each, for raking: its area (the event's, or the online answer's), its
     * month (agency time: the event's start, or when an online answer was given, as trust counts them), the scores and
     * the voluntary demographics. Read only by the build, which publishes suppressed aggregates of them.
     */
    surveyAnswers(agencyId: string, timeZone: string): Promise<AnswerRow[]> {
      return run<AnswerRow>(sql`
        select coalesce(e.area_id, s.area_id)::text as area,
               to_char(coalesce(e.starts_at, s.created_at) at time zone ${timeZone}, 'YYYY-MM') as month,
               s.dignity, s.voice, s.neutrality, s.trust, s.language,
               s.age_band::text as "ageBand", s.gender::text as gender, s.race_ethnicity::text as "raceEthnicity"
        from survey_responses s left join events e on e.id = s.event_id and e.agency_id = ${agencyId}
        where s.agency_id = ${agencyId}`)
    },

    /** Feedback items per area, month (agency time, by receipt) and topic code: the concerns raised there. */
    concerns(agencyId: string, timeZone: string): Promise<ConcernRow[]> {
      return run<ConcernRow>(sql`
        select f.area_id::text as area, to_char(f.received_at at time zone ${timeZone}, 'YYYY-MM') as month, t.code as topic, count(*)::int as count
        from feedback_items f join feedback_topics t on t.id = f.topic_id
        where f.agency_id = ${agencyId} and f.deleted_at is null
        group by 1, 2, 3`)
    },
  }
}
export type InsightsRepository = ReturnType<typeof createInsightsRepository>

/** Runs one of a build's queries in its own transaction, with its own statement timeout (SET LOCAL: this transaction only). */
export function inBuildTransaction<T>(db: Db, timeoutMs: number, query: (repo: InsightsRepository) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local statement_timeout = ${Math.trunc(timeoutMs)}`))
    return query(createInsightsRepository(tx))
  })
}

const dims = (timeZone: string) => sql`
  t.code as topic, coalesce(f.stance::text, 'unstated') as stance, f.channel::text as channel, coalesce(f.area_id::text, '') as area,
  to_char(f.received_at at time zone ${timeZone}, 'YYYY-MM') as period,
  coalesce(e.kind::text, 'none') as kind, coalesce(e.format::text, 'none') as format`

const feedbackFrom = (agencyId: string, timeZone: string, range: PeriodRange, join = sql``) => sql`
  from feedback_items f
  join feedback_topics t on t.id = f.topic_id
  left join events e on e.id = f.event_id
  ${join}
  where f.agency_id = ${agencyId} and f.deleted_at is null and ${within(sql`f.received_at`, timeZone, range)}`

/** An instant inside a period given as local dates in the agency's zone (from inclusive, to exclusive): an index range. */
const within = (column: ReturnType<typeof sql>, timeZone: string, range: PeriodRange) =>
  sql`${column} >= (${range.from}::timestamp at time zone ${timeZone}) and ${column} < (${range.to}::timestamp at time zone ${timeZone})`
