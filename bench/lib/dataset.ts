// Deterministic benchmark dataset, loaded with set-based SQL (INSERT … SELECT generate_series).
// Every value derives from the row number through hashtext(), so the same scale gives the same rows.
// Skew: agency 1 holds ~60% of events, and inside an agency a few areas hold most of them (cubic skew).
// Feedback skew: ~10% of items go to the first 5 events (1,000+ each at the default scale), 70% spread over all
// events, 20% have no event. Each step is one statement and reports its row count.
import { readFileSync } from 'node:fs'
import type pg from 'pg'

export type Scale = 'small' | 'default' | 'large'
type Sizes = { agencies: number; areasPerAgency: number; events: number; participants: number; feedback: number; decisions: number }
export const scales: Record<Scale, Sizes> = {
  small: { agencies: 5, areasPerAgency: 20, events: 1_000, participants: 5_000, feedback: 10_000, decisions: 2_000 },
  default: { agencies: 5, areasPerAgency: 20, events: 10_000, participants: 50_000, feedback: 100_000, decisions: 20_000 },
  large: { agencies: 5, areasPerAgency: 20, events: 100_000, participants: 200_000, feedback: 1_000_000, decisions: 100_000 },
}

const zones = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Phoenix']

/**
 * Deterministic uuid from a text key: md5 shaped as a version-4 uuid (version nibble 4, variant 8), so it passes
 * the API's strict uuid checks (zod's z.uuid() refuses a raw md5, e.g. inside a pagination cursor).
 */
export const uuidSql = (key: string) => `overlay(overlay(md5(${key}) placing '4' from 13) placing '8' from 17)::uuid`
export const agencyIdSql = (ord: string) => uuidSql(`'agency:' || ${ord}`)
export const areaIdSql = (agencyOrd: string, areaOrd: string) => uuidSql(`'area:' || ${agencyOrd} || ':' || ${areaOrd}`)
export const eventIdSql = (ord: string) => uuidSql(`'event:' || ${ord}`)
export const feedbackIdSql = (ord: string) => uuidSql(`'feedback:' || ${ord}`)
export const decisionIdSql = (ord: string) => uuidSql(`'decision:' || ${ord}`)
export const participantIdSql = (ord: string) => uuidSql(`'participant:' || ${ord}`)

type Step = { name: string; sql: string }

function steps(scale: Scale): Step[] {
  const s = scales[scale]
  const zonesSql = `ARRAY[${zones.map((z) => `'${z}'`).join(',')}]`
  return [
    {
      name: 'agencies',
      sql: `INSERT INTO agencies (id, slug, name, jurisdiction, time_zone, default_language, supported_languages, created_at, updated_at)
        SELECT ${agencyIdSql('g')}, 'agency-' || g, 'Agency ' || g || ' Police Department', 'City ' || g,
               (${zonesSql})[1 + (g - 1) % ${zones.length}], 'en', ARRAY['en','es','vi'],
               '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'
        FROM generate_series(1, ${s.agencies}) g`,
    },
    {
      name: 'areas',
      sql: `INSERT INTO areas (id, agency_id, code, name, kind, created_at, updated_at)
        SELECT ${areaIdSql('a', 'r')}, ${agencyIdSql('a')}, 'D' || r, 'District ' || r || ' of agency ' || a, 'district',
               '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'
        FROM generate_series(1, ${s.agencies}) a, generate_series(1, ${s.areasPerAgency}) r`,
    },
    {
      // agency: 60/20/10/6/4 %; area inside the agency: floor(n * u^3) so area 1 gets ~46%, area 2 ~13%, …
      // ~5% of events have no area. No drafts and no tombstones, so every implementation lists the same rows.
      name: 'events',
      sql: `INSERT INTO events (id, agency_id, title, description, kind, format, time_zone, venue_name, area_id,
                                languages, interpretation, accommodations, capacity, topics, status,
                                starts_at, ends_at, created_at, updated_at)
        SELECT ${uuidSql(`'event:' || g`)}, ${agencyIdSql('ag')},
               jsonb_build_object('en', 'Community meeting ' || g, 'es', 'Reunión comunitaria ' || g),
               jsonb_build_object('en', 'Neighbourhood priorities, round ' || g || '. Bring your questions.'),
               (enum_range(NULL::event_kind))[1 + h.h1 % 9],
               (enum_range(NULL::event_format))[1 + h.h2 % 3],
               (${zonesSql})[1 + (ag - 1) % ${zones.length}],
               'Venue ' || (h.h3 % 500),
               CASE WHEN h.h4 % 20 = 0 THEN NULL
                    ELSE ${areaIdSql('ag', `(1 + floor(${s.areasPerAgency} * power((h.h5 % 1000000) / 1000000.0, 3)))::int`)} END,
               CASE h.h1 % 4 WHEN 0 THEN ARRAY['en'] WHEN 1 THEN ARRAY['en','es'] WHEN 2 THEN ARRAY['es'] ELSE ARRAY['en','vi'] END,
               CASE WHEN h.h2 % 5 = 0 THEN ARRAY['ase'] ELSE '{}'::text[] END,
               CASE WHEN h.h3 % 3 = 0 THEN ARRAY['step_free_access','live_captioning']::accommodation[]
                    WHEN h.h3 % 3 = 1 THEN ARRAY['step_free_access']::accommodation[] ELSE '{}'::accommodation[] END,
               CASE WHEN h.h4 % 2 = 0 THEN 20 + h.h4 % 200 ELSE NULL END,
               ARRAY['community_safety'],
               (CASE WHEN h.h5 % 50 = 0 THEN 'cancelled' WHEN h.h5 % 7 = 0 THEN 'completed' ELSE 'scheduled' END)::event_status,
               t.starts_at, t.starts_at + interval '90 minutes',
               '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'
        FROM generate_series(1, ${s.events}) g
        CROSS JOIN LATERAL (SELECT abs(hashtext('h1:' || g)) h1, abs(hashtext('h2:' || g)) h2, abs(hashtext('h3:' || g)) h3,
                                   abs(hashtext('h4:' || g)) h4, abs(hashtext('h5:' || g)) h5, abs(hashtext('ag:' || g)) % 100 p) h
        CROSS JOIN LATERAL (SELECT CASE WHEN h.p < 60 THEN 1 WHEN h.p < 80 THEN 2 WHEN h.p < 90 THEN 3 WHEN h.p < 96 THEN 4 ELSE 5 END ag) a
        CROSS JOIN LATERAL (SELECT '2025-01-01T00:00:00Z'::timestamptz + (h.h1 % (730 * 24 * 4)) * interval '15 minutes' starts_at) t`,
    },
    ...engagementSteps(s),
  ]
}

/** Participants, feedback (with the skew above), decisions answering it, their links and report-backs. */
function engagementSteps(s: Sizes): Step[] {
  // The agency and area of event n, recomputed from its hashes exactly as the events step does.
  const agencyOf = (n: string) =>
    `(SELECT CASE WHEN p < 60 THEN 1 WHEN p < 80 THEN 2 WHEN p < 90 THEN 3 WHEN p < 96 THEN 4 ELSE 5 END FROM (SELECT abs(hashtext('ag:' || ${n})) % 100 p) x)`
  return [
    {
      name: 'participants',
      sql: `INSERT INTO participants (id, agency_id, display_name, contact, preferred_language, contact_consent_at, data_use_consent_at, area_id, created_at, updated_at)
        SELECT ${participantIdSql('g')}, ${agencyIdSql('1 + g % ' + s.agencies)}, 'Resident ' || g,
               jsonb_build_object('email', 'resident' || g || '@example.org'),
               (ARRAY['en','es','vi'])[1 + abs(hashtext('pl:' || g)) % 3],
               '2025-01-01T00:00:00Z', CASE WHEN g % 3 = 0 THEN '2025-01-01T00:00:00Z'::timestamptz END,
               ${areaIdSql('1 + g % ' + s.agencies, `1 + abs(hashtext('pa:' || g)) % ${s.areasPerAgency}`)},
               '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'
        FROM generate_series(1, ${s.participants}) g`,
    },
    {
      name: 'feedback_items',
      sql: `INSERT INTO feedback_items (id, agency_id, body, body_language, published_body, channel, event_id, area_id, topic_id, stance,
                                        participant_id, visibility, status, received_at, acknowledged_at, decided_at, reported_back_at,
                                        created_at, updated_at)
        SELECT ${feedbackIdSql('g')}, ${agencyIdSql('e.ag')}, b.body, 'en', CASE WHEN h.h2 % 10 < 3 THEN b.body END,
               (enum_range(NULL::feedback_channel))[1 + h.h1 % 7], CASE WHEN e.n IS NULL THEN NULL ELSE ${eventIdSql('e.n')} END,
               ${areaIdSql('e.ag', `1 + h.h3 % ${s.areasPerAgency}`)},
               (SELECT id FROM feedback_topics WHERE agency_id IS NULL ORDER BY code OFFSET h.h4 % 7 LIMIT 1),
               (enum_range(NULL::stance))[1 + h.h5 % 3],
               CASE WHEN h.h1 % 4 = 0 THEN ${participantIdSql(`1 + h.h2 % ${s.participants}`)} END,
               (CASE WHEN h.h2 % 10 < 3 THEN 'published' ELSE 'private' END)::feedback_visibility,
               st.status::feedback_status, t.received,
               CASE WHEN st.rank >= 1 THEN t.received + (1 + h.h3 % 9) * interval '1 day' END,
               CASE WHEN st.rank >= 3 THEN t.received + (10 + h.h4 % 40) * interval '1 day' END,
               CASE WHEN st.rank >= 4 THEN t.received + (30 + h.h5 % 60) * interval '1 day' END,
               t.received, t.received
        FROM generate_series(1, ${s.feedback}) g
        CROSS JOIN LATERAL (SELECT abs(hashtext('f1:' || g)) h1, abs(hashtext('f2:' || g)) h2, abs(hashtext('f3:' || g)) h3,
                                   abs(hashtext('f4:' || g)) h4, abs(hashtext('f5:' || g)) h5, abs(hashtext('fe:' || g)) % 100 p) h
        CROSS JOIN LATERAL (SELECT CASE WHEN h.p < 10 THEN 1 + h.h1 % 5 WHEN h.p < 80 THEN 1 + h.h2 % ${s.events} END n) e0
        CROSS JOIN LATERAL (SELECT e0.n, CASE WHEN e0.n IS NULL THEN 1 + h.h3 % ${s.agencies} ELSE ${agencyOf('e0.n')} END ag) e
        CROSS JOIN LATERAL (SELECT 'Feedback ' || g || ': ' || (ARRAY['street lighting on the corner','speeding near the school','body-worn camera footage','response times at night','youth programmes in the park','how stops are explained','mental-health crisis calls'])[1 + h.h4 % 7] || '. Please follow up.' body) b
        CROSS JOIN LATERAL (SELECT (ARRAY['received','acknowledged','under_review','addressed','reported_back','declined','referred'])[1 + h.h5 % 7] status,
                                   (ARRAY[0,1,2,3,4,3,3])[1 + h.h5 % 7] rank) st
        CROSS JOIN LATERAL (SELECT '2025-01-01T00:00:00Z'::timestamptz + (h.h1 % (700 * 24)) * interval '1 hour' received) t`,
    },
    {
      name: 'decisions',
      sql: `INSERT INTO decisions (id, agency_id, title, summary, rationale, decided_by, decided_at, status, publication, created_at, updated_at)
        SELECT ${decisionIdSql('g')}, ${agencyIdSql('1 + g % ' + s.agencies)},
               jsonb_build_object('en', 'Decision ' || g || ': more patrols where residents asked', 'es', 'Decisión ' || g),
               jsonb_build_object('en', 'What we will change after listening, round ' || g || '.'),
               jsonb_build_object('en', 'Residents raised this at several meetings.'),
               'Community Advisory Board', '2025-03-01T00:00:00Z'::timestamptz + (g % 600) * interval '1 day',
               (enum_range(NULL::decision_status))[1 + abs(hashtext('ds:' || g)) % 6],
               (CASE WHEN g % 5 = 0 THEN 'draft' ELSE 'published' END)::publication_state,
               '2025-03-01T00:00:00Z'::timestamptz + (g % 600) * interval '1 day', '2025-03-01T00:00:00Z'::timestamptz + (g % 600) * interval '1 day'
        FROM generate_series(1, ${s.decisions}) g`,
    },
    {
      // Each decision answers 3 feedback items of its own agency: the k-th decision of an agency takes that agency's
      // feedback items 3k, 3k+1 and 3k+2 (in id order, which md5 ids make random).
      name: 'decision_feedback',
      sql: `WITH f AS (SELECT id, agency_id, row_number() OVER (PARTITION BY agency_id ORDER BY id) - 1 rn FROM feedback_items),
                 n AS (SELECT agency_id, count(*) cnt FROM feedback_items GROUP BY agency_id),
                 d AS (SELECT id, agency_id, row_number() OVER (PARTITION BY agency_id ORDER BY id) - 1 rn FROM decisions)
        INSERT INTO decision_feedback (decision_id, feedback_id, agency_id)
        SELECT DISTINCT d.id, f.id, d.agency_id
        FROM d JOIN n USING (agency_id) CROSS JOIN generate_series(0, 2) k
        JOIN f ON f.agency_id = d.agency_id AND f.rn = (d.rn * 3 + k) % n.cnt`,
    },
    {
      name: 'decision_events',
      sql: `INSERT INTO decision_events (decision_id, event_id, agency_id)
        SELECT DISTINCT df.decision_id, f.event_id, f.agency_id
        FROM decision_feedback df JOIN feedback_items f ON f.id = df.feedback_id
        WHERE f.event_id IS NOT NULL`,
    },
    {
      name: 'report_backs',
      sql: `INSERT INTO report_backs (id, agency_id, decision_id, channel, relayed_at, languages, audience, summary, created_at, updated_at)
        SELECT ${uuidSql(`'report-back:' || g`)}, ${agencyIdSql('1 + g % ' + s.agencies)}, ${decisionIdSql('g')},
               (enum_range(NULL::report_back_channel))[1 + abs(hashtext('rc:' || g)) % 9],
               '2025-06-01T00:00:00Z'::timestamptz + (g % 500) * interval '1 day', ARRAY['en','es'], ARRAY['general_public']::report_back_audience[],
               jsonb_build_object('en', 'You said, we did: decision ' || g),
               '2025-06-01T00:00:00Z'::timestamptz + (g % 500) * interval '1 day', '2025-06-01T00:00:00Z'::timestamptz + (g % 500) * interval '1 day'
        FROM generate_series(1, ${s.decisions}) g WHERE g % 2 = 0`,
    },
    {
      name: 'report_back_feedback',
      sql: `INSERT INTO report_back_feedback (report_back_id, feedback_id, agency_id)
        SELECT rb.id, df.feedback_id, df.agency_id FROM report_backs rb JOIN decision_feedback df ON df.decision_id = rb.decision_id`,
    },
    ...insightSteps(s, agencyOf),
  ]
}

/**
 * What the insights read besides feedback: attendance (each event draws participants of its own agency), head counts,
 * procedural-justice surveys and voluntary demographics. Event n's attendance varies with its hash (0 to 2× the mean).
 */
function insightSteps(s: Sizes, agencyOf: (n: string) => string): Step[] {
  const perAgency = Math.floor(s.participants / s.agencies)
  const meanAttendance = Math.max(2, Math.round((2 * s.participants) / s.events))
  return [
    {
      name: 'attendances',
      sql: `INSERT INTO attendances (agency_id, event_id, participant_id, role, status, registered_at, checked_in_at, created_at, updated_at)
        SELECT ${agencyIdSql('e.ag')}, ${eventIdSql('e.n')}, ${participantIdSql('p.g')}, 'attendee', 'attended',
               '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'
        FROM generate_series(1, ${s.events}) g
        CROSS JOIN LATERAL (SELECT g AS n, ${agencyOf('g')} ag) e
        CROSS JOIN LATERAL generate_series(1, abs(hashtext('na:' || e.n)) % ${2 * meanAttendance + 1}) k
        -- participant g belongs to agency 1 + g % agencies; pick one of that agency's at random
        CROSS JOIN LATERAL (SELECT ${s.agencies} * (1 + abs(hashtext('ap:' || e.n || ':' || k)) % ${perAgency - 1}) + (e.ag - 1) g) p
        ON CONFLICT DO NOTHING`,
    },
    {
      name: 'event_head_counts',
      sql: `INSERT INTO event_head_counts (agency_id, event_id, count, counted_at, created_at, updated_at)
        SELECT ${agencyIdSql(agencyOf('g'))}, ${eventIdSql('g')}, 5 + abs(hashtext('hc:' || g)) % 60,
               '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'
        FROM generate_series(1, ${s.events}) g WHERE g % 3 = 0`,
    },
    {
      name: 'survey_responses',
      sql: `INSERT INTO survey_responses (agency_id, event_id, dignity, voice, neutrality, trust, language, created_at)
        SELECT ${agencyIdSql('e.ag')}, ${eventIdSql('e.n')}, 1 + abs(hashtext('sd:' || e.n || ':' || k)) % 5, 1 + abs(hashtext('sv:' || e.n || ':' || k)) % 5,
               CASE WHEN k % 7 = 0 THEN NULL ELSE 1 + abs(hashtext('sn:' || e.n || ':' || k)) % 5 END, 1 + abs(hashtext('st:' || e.n || ':' || k)) % 5,
               'en', '2025-01-01T00:00:00Z'
        FROM generate_series(1, ${s.events}) g
        CROSS JOIN LATERAL (SELECT g AS n, ${agencyOf('g')} ag) e
        CROSS JOIN LATERAL generate_series(1, abs(hashtext('ns:' || e.n)) % 25) k
        WHERE g % 2 = 0`,
    },
    {
      name: 'participant_demographics',
      sql: `INSERT INTO participant_demographics (participant_id, agency_id, age_band, gender, race_ethnicity, disability, income_band, created_at, updated_at)
        SELECT ${participantIdSql('g')}, ${agencyIdSql('1 + g % ' + s.agencies)},
               (enum_range(NULL::age_band))[1 + abs(hashtext('da:' || g)) % 8], (enum_range(NULL::gender))[1 + abs(hashtext('dg:' || g)) % 5],
               ARRAY[(enum_range(NULL::race_ethnicity))[1 + abs(hashtext('dr:' || g)) % 9]], (enum_range(NULL::disability_status))[1 + abs(hashtext('dd:' || g)) % 3],
               CASE WHEN g % 4 = 0 THEN NULL ELSE (enum_range(NULL::income_band))[1 + abs(hashtext('di:' || g)) % 5] END,
               '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'
        FROM generate_series(1, ${s.participants}) g WHERE g % 2 = 0`,
    },
  ]
}

export type LoadReport = { scale: Scale; rows: Record<string, number>; ms: number; notLoaded: string[] }

export async function loadDataset(client: pg.Client, scale: Scale): Promise<LoadReport> {
  const t0 = performance.now()
  const rows: Record<string, number> = {}
  for (const step of steps(scale)) {
    const r = await client.query(step.sql).catch((err: Error & { position?: string }) => {
      throw new Error(`dataset step ${step.name}: ${err.message} near: ${step.sql.slice(Number(err.position ?? 1) - 60, Number(err.position ?? 1) + 20)}`)
    })
    rows[step.name] = r.rowCount ?? 0
  }
  await client.query('ANALYZE')
  return {
    scale,
    rows,
    ms: Math.round(performance.now() - t0),
    notLoaded: [],
  }
}

/** The index names src/db/schema/events.ts and agencies.ts declare; all must exist before timing. */
export async function checkIndexes(client: pg.Client, schemaFiles: string[]): Promise<string[]> {
  const names = new Set<string>()
  for (const f of schemaFiles) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\b(?:index|unique)\('([a-z0-9_]+)'\)/g)) names.add(m[1]!)
  }
  const { rows } = await client.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()')
  const present = new Set(rows.map((r) => r.indexname))
  const missing = [...names].filter((n) => !present.has(n))
  if (missing.length) throw new Error(`production indexes missing: ${missing.join(', ')}`)
  return [...names].sort()
}
