// SQL for partner API clients. Every write names the agency, so no query can touch another agency's rows.
import { and, asc, eq, isNull, sql } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { agencies, apiClients, organizations } from '../../db/schema/index.ts'

export type ApiClientRow = Omit<typeof apiClients.$inferSelect, 'secretHash'>

/** Every column but the secret's hash, which only the token exchange reads. */
const columns = {
  id: apiClients.id,
  agencyId: apiClients.agencyId,
  organizationId: apiClients.organizationId,
  kind: apiClients.kind,
  name: apiClients.name,
  clientId: apiClients.clientId,
  createdAt: apiClients.createdAt,
  revokedAt: apiClients.revokedAt,
  lastUsedAt: apiClients.lastUsedAt,
}

const activePartner = sql<boolean>`(${organizations.partnershipStatus} = 'active' AND ${organizations.deletedAt} IS NULL)`
/** A partner's client speaks while its organization is an active partner; a contact feed belongs to the agency itself. */
const mayExchange = sql<boolean>`(${apiClients.kind} = 'contact_feed' OR coalesce(${activePartner}, false))`

export function createCredentialsRepository(db: Queryable) {
  return {
    async insert(values: typeof apiClients.$inferInsert & { createdAt: Date }): Promise<ApiClientRow> {
      const [row] = await db.insert(apiClients).values(values).returning(columns)
      return row!
    },

    async byId(id: string): Promise<ApiClientRow | undefined> {
      const [row] = await db.select(columns).from(apiClients).where(eq(apiClients.id, id)).limit(1)
      return row
    },

    listOfOrganization(agencyId: string, organizationId: string): Promise<ApiClientRow[]> {
      return db
        .select(columns)
        .from(apiClients)
        .where(and(eq(apiClients.agencyId, agencyId), eq(apiClients.organizationId, organizationId)))
        .orderBy(asc(apiClients.createdAt), asc(apiClients.id))
    },

    /** The agency's contact feed credentials (CAD/RMS systems), oldest first. */
    listContactFeeds(agencyId: string): Promise<ApiClientRow[]> {
      return db
        .select(columns)
        .from(apiClients)
        .where(and(eq(apiClients.agencyId, agencyId), eq(apiClients.kind, 'contact_feed')))
        .orderBy(asc(apiClients.createdAt), asc(apiClients.id))
    },

    /** A client by its public id, with its secret's hash, its agency's slug and whether its organization is an active partner. */
    async forExchange(clientId: string): Promise<(ApiClientRow & { secretHash: string; agencySlug: string; partnerActive: boolean }) | undefined> {
      const [row] = await db
        .select({ ...columns, secretHash: apiClients.secretHash, agencySlug: agencies.slug, partnerActive: mayExchange })
        .from(apiClients)
        .innerJoin(agencies, eq(agencies.id, apiClients.agencyId))
        .leftJoin(organizations, eq(organizations.id, apiClients.organizationId))
        .where(eq(apiClients.clientId, clientId))
        .limit(1)
      return row
    },

    /** Not revoked, and its organization is still an active partner (a paused or ended partnership stops its tokens). */
    async isActive(clientId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: apiClients.id })
        .from(apiClients)
        .leftJoin(organizations, eq(organizations.id, apiClients.organizationId))
        .where(and(eq(apiClients.clientId, clientId), isNull(apiClients.revokedAt), mayExchange))
        .limit(1)
      return row !== undefined
    },

    /** The organization is of the named agency and an active partner (tokens from the identity provider name both). */
    async isActivePartner(agencySlug: string, organizationId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: organizations.id })
        .from(organizations)
        .innerJoin(agencies, eq(agencies.id, organizations.agencyId))
        .where(and(eq(organizations.id, organizationId), eq(agencies.slug, agencySlug), activePartner))
        .limit(1)
      return row !== undefined
    },

    async revoke(agencyId: string, id: string, at: Date): Promise<ApiClientRow | undefined> {
      const [row] = await db
        .update(apiClients)
        .set({ revokedAt: at })
        .where(and(eq(apiClients.id, id), eq(apiClients.agencyId, agencyId), isNull(apiClients.revokedAt)))
        .returning(columns)
      return row
    },

    async touch(agencyId: string, id: string, at: Date): Promise<void> {
      await db.update(apiClients).set({ lastUsedAt: at }).where(and(eq(apiClients.id, id), eq(apiClients.agencyId, agencyId)))
    },
  }
}
