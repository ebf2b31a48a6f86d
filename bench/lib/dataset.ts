// Deterministic benchmark dataset, loaded with set-based SQL (INSERT … SELECT generate_series).
// Every value derives from the row number through hashtext(), so the same scale gives the same rows.
// Skew: agency 1 holds ~60% of events, and inside an agency a few areas hold most of them (cubic skew).
// Entities that do not exist in the schema yet (participants, feedback items, decisions) get their own
// step in `steps()` once their tables land; each step is one statement and reports its row count.
import { readFileSync } from 'node:fs'
import type pg from 'pg'

export type Scale = 'small' | 'default' | 'large'
export const scales: Record<Scale, { agencies: number; areasPerAgency: number; events: number }> = {
  small: { agencies: 5, areasPerAgency: 20, events: 1_000 },
  default: { agencies: 5, areasPerAgency: 20, events: 10_000 },
  large: { agencies: 5, areasPerAgency: 20, events: 100_000 },
}

const zones = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Phoenix']

/**
 * Deterministic uuid from a text key: md5 shaped as a version-4 uuid (version nibble 4, variant 8), so it passes
 * the API's strict uuid checks (zod's z.uuid() refuses a raw md5, e.g. inside a pagination cursor).
 */
export const uuidSql = (key: string) => `overlay(overlay(md5(${key}) placing '4' from 13) placing '8' from 17)::uuid`
export const agencyIdSql = (ord: string) => uuidSql(`'agency:' || ${ord}`)
export const areaIdSql = (agencyOrd: string, areaOrd: string) => uuidSql(`'area:' || ${agencyOrd} || ':' || ${areaOrd}`)

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
  ]
}

export type LoadReport = { scale: Scale; rows: Record<string, number>; ms: number; notLoaded: string[] }

export async function loadDataset(client: pg.Client, scale: Scale): Promise<LoadReport> {
  const t0 = performance.now()
  const rows: Record<string, number> = {}
  for (const step of steps(scale)) {
    const r = await client.query(step.sql)
    rows[step.name] = r.rowCount ?? 0
  }
  await client.query('ANALYZE')
  return {
    scale,
    rows,
    ms: Math.round(performance.now() - t0),
    notLoaded: ['participants', 'feedback items', 'decisions (their tables do not exist yet)'],
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
