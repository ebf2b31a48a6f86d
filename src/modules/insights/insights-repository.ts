// SQL for insights: the raw aggregates one agency's canonical tables are built from, and the change watermark.
import { sql } from 'drizzle-orm'
import type { Db, Queryable } from '../../db/client.ts'
import type { DaysRow, FeedbackRow, SurveyRow } from './insight-tables.ts'

type Rows<T> = { rows?: T[] } | T[]
const rowsOf = <T>(result: Rows<T>): T[] => (Array.isArray(result) ? result : (result.rows ?? []))

export type RawEvent = { id: string; areaId: string | null; startsAt: string; timeZone: string; format: string; kind: string; languages: string[]; interpretation: string[]; counted: boolean; headCount: number }
export type RawPerson = { eventId: string; answers: Record<string, string | string[] | null> }

export function createInsightsRepository(db: Queryable) {
  const run = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => rowsOf<T>((await db.execute(query)) as unknown as Rows<T>)

  return {
    /**
     * The newest change to anything an insight reads, as one string: each part is an indexed max() on
     * (agency_id, updated_at), so checking it costs a few index probes however large the tables are.
     */
    async watermark(agencyId: string): Promise<string> {
      const [row] = await run<{ w: string }>(sql`
        select concat_ws('|',
          (select max(updated_at) from events where agency_id = ${agencyId}),
          (select max(updated_at) from attendances where agency_id = ${agencyId}),
          (select max(updated_at) from participant_demographics where agency_id = ${agencyId}),
          (select max(updated_at) from event_head_counts where agency_id = ${agencyId}),
          (select max(updated_at) from feedback_items where agency_id = ${agencyId}),
          (select max(at) from feedback_transitions where agency_id = ${agencyId}),
          (select max(created_at) from survey_responses where agency_id = ${agencyId})
        ) as w`)
      return row?.w ?? ''
    },

    /** Every live event, whether it counts for reach (held or to be held), with its latest head count. */
    events(agencyId: string): Promise<RawEvent[]> {
      return run<RawEvent>(sql`
        select e.id, e.area_id as "areaId", to_char(e.starts_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "startsAt",
               e.time_zone as "timeZone", e.format::text as format, e.kind::text as kind, e.languages, e.interpretation,
               (e.status in ('scheduled', 'completed')) as counted,
               coalesce((select h.count from event_head_counts h where h.event_id = e.id and h.deleted_at is null order by h.counted_at desc limit 1), 0)::int as "headCount"
        from events e
        where e.agency_id = ${agencyId} and e.deleted_at is null`)
    },

    /** Each participant once per quarter (agency time), at the first meeting they attended in it, with their answers. */
    people(agencyId: string, timeZone: string): Promise<RawPerson[]> {
      return run<RawPerson>(sql`
        select f.event_id as "eventId",
               json_build_object('ageBand', d.age_band, 'gender', d.gender, 'raceEthnicity', d.race_ethnicity, 'sexualOrientation', d.sexual_orientation,
                                 'faith', d.faith, 'disability', d.disability, 'incomeBand', d.income_band, 'occupation', d.occupation) as answers
        from (
          select distinct on (x.participant_id, x.quarter) x.participant_id, x.event_id
          from (
            select a.participant_id, a.event_id, e.starts_at, to_char(e.starts_at at time zone ${timeZone}, 'YYYY-Q') as quarter
            from attendances a join events e on e.id = a.event_id
            where a.agency_id = ${agencyId} and a.status = 'attended' and a.deleted_at is null and e.deleted_at is null
          ) x
          order by x.participant_id, x.quarter, x.starts_at, x.event_id
        ) f
        join participants p on p.id = f.participant_id and p.deleted_at is null and p.erased_at is null
        left join participant_demographics d on d.participant_id = f.participant_id`)
    },

    /** Feedback counted by the canonical dimensions, with how many reached each step. */
    feedback(agencyId: string, timeZone: string): Promise<FeedbackRow[]> {
      return run<FeedbackRow>(sql`
        select ${dims(timeZone)},
               count(*)::int as received,
               count(*) filter (where f.acknowledged_at is not null)::int as acknowledged,
               count(*) filter (where f.status = 'addressed' or h.addressed)::int as addressed,
               count(*) filter (where f.status = 'declined' or h.declined)::int as declined,
               count(*) filter (where f.reported_back_at is not null or f.status = 'reported_back')::int as "reportedBack"
        ${feedbackFrom(agencyId, sql`
          -- items that were ever addressed or declined, from the agency's history in one pass (a hash join, not a probe per item)
          left join (select feedback_id, bool_or(to_status = 'addressed') as addressed, bool_or(to_status = 'declined') as declined
                     from feedback_transitions where agency_id = ${agencyId} and to_status in ('addressed', 'declined')
                     group by feedback_id) h on h.feedback_id = f.id`)}
        group by 1, 2, 3, 4, 5, 6, 7`)
    },

    /** Whole days from received to each milestone, counted by the canonical dimensions. */
    days(agencyId: string, timeZone: string): Promise<DaysRow[]> {
      const part = (milestone: string, column: string) => sql`
        select ${dims(timeZone)}, ${sql.raw(`'${milestone}'::text`)} as milestone,
               greatest(0, floor(extract(epoch from (${sql.raw(column)} - f.received_at)) / 86400))::int as days, count(*)::int as count
        ${feedbackFrom(agencyId)} and ${sql.raw(column)} is not null
        group by 1, 2, 3, 4, 5, 6, 7, 8, 9`
      return run<DaysRow>(sql`${part('acknowledged', 'f.acknowledged_at')} union all ${part('decided', 'f.decided_at')} union all ${part('reportedBack', 'f.reported_back_at')}`)
    },

    /** Survey responses per event: how many, and per principle how many answered and their sum. */
    surveys(agencyId: string): Promise<SurveyRow[]> {
      return run<SurveyRow>(sql`
        select event_id as "eventId", count(*)::int as responses,
               count(dignity)::int as "dignityN", coalesce(sum(dignity), 0)::int as "dignitySum",
               count(voice)::int as "voiceN", coalesce(sum(voice), 0)::int as "voiceSum",
               count(neutrality)::int as "neutralityN", coalesce(sum(neutrality), 0)::int as "neutralitySum",
               count(trust)::int as "trustN", coalesce(sum(trust), 0)::int as "trustSum"
        from survey_responses where agency_id = ${agencyId}
        group by event_id`)
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

const feedbackFrom = (agencyId: string, join = sql``) => sql`
  from feedback_items f
  join feedback_topics t on t.id = f.topic_id
  left join events e on e.id = f.event_id
  ${join}
  where f.agency_id = ${agencyId} and f.deleted_at is null`
