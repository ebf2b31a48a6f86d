// Community liaisons: official and unofficial leaders the agency works with, their reach, and their roles.
import { boolean, index, jsonb, pgEnum, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'
import { agencies } from './agencies.ts'
import { announcements } from './announcements.ts'
import { id, timestamps, tombstone, tz, versioned } from './columns.ts'
import { events } from './events.ts'
import { organizations } from './organizations.ts'

export const liaisonKinds = ['faith_leader', 'business_owner', 'youth_leader', 'neighborhood_association', 'community_organizer', 'informal_leader', 'other'] as const
export const liaisonKind = pgEnum('liaison_kind', liaisonKinds)
/** Partners propose, staff confirm or decline; only confirmed liaisons are listed publicly. */
export const liaisonStatuses = ['proposed', 'confirmed', 'declined'] as const
export const liaisonStatus = pgEnum('liaison_status', liaisonStatuses)
export const liaisonRoles = ['co_host', 'speaker', 'interpreter'] as const
export const liaisonRole = pgEnum('liaison_role', liaisonRoles)

export const liaisons = pgTable(
  'liaisons',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    /** Personal data: shown publicly only when listedByName; null once erased. */
    displayName: text('display_name'),
    kind: liaisonKind('kind').notNull(),
    listedByName: boolean('listed_by_name').notNull().default(false),
    areaIds: uuid('area_ids').array().notNull().default(sql`'{}'::uuid[]`),
    languages: text('languages').array().notNull().default(sql`'{}'::text[]`),
    communities: text('communities').array().notNull().default(sql`'{}'::text[]`),
    organizationIds: uuid('organization_ids').array().notNull().default(sql`'{}'::uuid[]`),
    /** Personal data, kept only with consent to be contacted; read by staff only for a purpose, each read audited. */
    contact: jsonb('contact').$type<{ email?: string; phone?: string }>(),
    contactConsentAt: tz('contact_consent_at'),
    status: liaisonStatus('status').notNull().default('proposed'),
    /** The partner organization that proposed the liaison (null: staff). */
    proposedByOrganizationId: uuid('proposed_by_organization_id').references(() => organizations.id, { onDelete: 'restrict' }),
    erasedAt: tz('erased_at'),
    ...versioned(),
    ...timestamps(),
    ...tombstone(),
  },
  (t) => [index('liaisons_agency_created_idx').on(t.agencyId, t.createdAt, t.id)],
)

/** A liaison's role in an event: co-host, speaker or interpreter. */
export const eventLiaisons = pgTable(
  'event_liaisons',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    liaisonId: uuid('liaison_id')
      .notNull()
      .references(() => liaisons.id, { onDelete: 'cascade' }),
    role: liaisonRole('role').notNull(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ name: 'event_liaisons_pkey', columns: [t.eventId, t.liaisonId, t.role] }), index('event_liaisons_liaison_idx').on(t.liaisonId)],
)

/** An announcement spread through a liaison (a channel and a target). */
export const announcementLiaisons = pgTable(
  'announcement_liaisons',
  {
    announcementId: uuid('announcement_id')
      .notNull()
      .references(() => announcements.id, { onDelete: 'cascade' }),
    liaisonId: uuid('liaison_id')
      .notNull()
      .references(() => liaisons.id, { onDelete: 'cascade' }),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ name: 'announcement_liaisons_pkey', columns: [t.announcementId, t.liaisonId] }), index('announcement_liaisons_liaison_idx').on(t.liaisonId)],
)
