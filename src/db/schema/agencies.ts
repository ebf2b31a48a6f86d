import { sql } from 'drizzle-orm'
import { check, index, integer, jsonb, pgEnum, pgTable, text, unique, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core'
import { id, timestamps, versioned } from './columns.ts'

/** An agency's public contact: how residents reach the agency, not a person. */
export type AgencyContact = { email?: string; phone?: string; url?: string; address?: string }

export const agencies = pgTable(
  'agencies',
  {
    id: id(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    jurisdiction: text('jurisdiction').notNull(),
    timeZone: text('time_zone').notNull(),
    defaultLanguage: text('default_language').notNull(),
    supportedLanguages: text('supported_languages').array().notNull(),
    contact: jsonb('contact').$type<AgencyContact>().notNull().default({}),
    /** Days after an event ends during which its survey takes answers. */
    surveyWindowDays: integer('survey_window_days').notNull().default(14),
    /** Reliability tiers of survey estimates by area and cycle: withheld under the first count, flagged under the second. */
    reliabilityTiers: jsonb('reliability_tiers').$type<ReliabilityTiers>().notNull().default({ withheldBelow: 30, flaggedBelow: 50 }),
    ...versioned(),
    ...timestamps(),
  },
  (t) => [
    unique('agencies_slug_key').on(t.slug),
    check('agencies_default_language_supported', sql`${t.defaultLanguage} = ANY(${t.supportedLanguages})`),
    check('agencies_survey_window_days_range', sql`${t.surveyWindowDays} BETWEEN 1 AND 365`),
  ],
)

/** Responses below which an area's survey estimates are withheld, and below which they are flagged as less reliable. */
export type ReliabilityTiers = { withheldBelow: number; flaggedBelow: number }

/** Population counts per category of each dimension (age band, gender, race or ethnicity, language), and their source. */
export type AreaPopulation = { source: string; margins: Partial<Record<'ageBand' | 'gender' | 'raceEthnicity' | 'language', Partial<Record<string, number>>>> }

export const areaKinds = ['district', 'precinct', 'sector', 'beat', 'neighbourhood'] as const
export const areaKind = pgEnum('area_kind', areaKinds)

export const areas = pgTable(
  'areas',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    code: text('code').notNull(),
    name: text('name').notNull(),
    kind: areaKind('kind').notNull(),
    parentId: uuid('parent_id').references((): AnyPgColumn => areas.id, { onDelete: 'restrict' }),
    /** GeoJSON Polygon or MultiPolygon geometry, kept as given. */
    boundary: jsonb('boundary'),
    /** The area's ancestors from the root, then itself, kept by a trigger (migration 0012): "within X" is `lineage && {X}`. */
    lineage: uuid('lineage').array().notNull().default(sql`'{}'::uuid[]`),
    /** Population margins the agency loaded (census tables): the targets survey answers are weighted to. Public data. */
    population: jsonb('population').$type<AreaPopulation>(),
    ...versioned(),
    ...timestamps(),
  },
  (t) => [
    unique('areas_agency_code_key').on(t.agencyId, t.code),
    index('areas_parent_id_idx').on(t.parentId),
    index('areas_lineage_idx').using('gin', t.lineage),
  ],
)
