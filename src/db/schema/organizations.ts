// Partner community organizations, the events they co-host, and the API credentials they hold.
import { sql } from 'drizzle-orm'
import { check, index, jsonb, pgEnum, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core'
import { agencies } from './agencies.ts'
import { id, timestamps, tombstone, tz, versioned } from './columns.ts'
import { events } from './events.ts'

export const organizationKinds = [
  'neighbourhood_association',
  'faith',
  'youth',
  'advocacy',
  'business',
  'school',
  'service_provider',
  'other',
] as const
export const partnershipStatuses = ['prospective', 'active', 'paused', 'ended'] as const

export const organizationKind = pgEnum('organization_kind', organizationKinds)
export const partnershipStatus = pgEnum('partnership_status', partnershipStatuses)

/** How the agency reaches the organization: private to the agency's staff and the organization itself. */
export type OrganizationContact = { name?: string; email?: string; phone?: string }

export const organizations = pgTable(
  'organizations',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    kind: organizationKind('kind').notNull(),
    /** Areas of the agency the organization serves (ids of areas). */
    areaIds: uuid('area_ids').array().notNull().default(sql`'{}'::uuid[]`),
    /** BCP 47 tags of the languages it works in. */
    languages: text('languages').array().notNull().default(sql`'{}'::text[]`),
    contact: jsonb('contact').$type<OrganizationContact>(),
    partnershipStatus: partnershipStatus('partnership_status').notNull().default('active'),
    ...versioned(),
    ...timestamps(),
    ...tombstone(),
  },
  (t) => [
    index('organizations_agency_created_idx').on(t.agencyId, t.createdAt, t.id),
    index('organizations_created_idx').on(t.createdAt, t.id),
    index('organizations_area_ids_idx').using('gin', t.areaIds),
    index('organizations_languages_idx').using('gin', t.languages),
  ],
)

export const eventCoHosts = pgTable(
  'event_co_hosts',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
  },
  (t) => [
    primaryKey({ name: 'event_co_hosts_pkey', columns: [t.eventId, t.organizationId] }),
    index('event_co_hosts_organization_id_idx').on(t.organizationId, t.eventId),
    index('event_co_hosts_agency_id_idx').on(t.agencyId),
  ],
)

/** An organization's API credential, exchanged for short-lived tokens (OAuth 2.0 client credentials). */
export const apiClients = pgTable(
  'api_clients',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    /** The partner organization it speaks for; none for a contact feed (the agency's own CAD/RMS system). */
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'restrict' }),
    /** `partner`: an organization's client; `contact_feed`: posts contact events for surveys after police contact, nothing else. */
    kind: text('kind', { enum: ['partner', 'contact_feed'] }).notNull().default('partner'),
    name: text('name').notNull(),
    /** The public half of the credential, sent as client_id. */
    clientId: text('client_id').notNull(),
    /** scrypt of the secret with its own salt; the secret itself is never stored. */
    secretHash: text('secret_hash').notNull(),
    createdAt: tz('created_at').notNull().defaultNow(),
    revokedAt: tz('revoked_at'),
    lastUsedAt: tz('last_used_at'),
  },
  (t) => [
    unique('api_clients_client_id_key').on(t.clientId),
    index('api_clients_agency_id_idx').on(t.agencyId),
    index('api_clients_organization_id_idx').on(t.organizationId, t.createdAt),
    check('api_clients_kind_organization', sql`(${t.kind} = 'partner') = (${t.organizationId} IS NOT NULL)`),
  ],
)
