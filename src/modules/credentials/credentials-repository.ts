// SQL for partner API clients. Every write names the agency, so no query can touch another agency's rows.
import { and, asc, eq, isNull } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { agencies, apiClients } from '../../db/schema/index.ts'

export type ApiClientRow = Omit<typeof apiClients.$inferSelect, 'secretHash'>

/** Every column but the secret's hash, which only the token exchange reads. */
const columns = {
  id: apiClients.id,
  agencyId: apiClients.agencyId,
  organizationId: apiClients.organizationId,
  name: apiClients.name,
  clientId: apiClients.clientId,
  createdAt: apiClients.createdAt,
  revokedAt: apiClients.revokedAt,
  lastUsedAt: apiClients.lastUsedAt,
}

export function createCredentialsRepository(db: Queryable) {
  return {
    async insert(values: typeof apiClients.$inferInsert): Promise<ApiClientRow> {
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

    /** A client by its public id, with its secret's hash and its agency's slug, for the token exchange. */
    async forExchange(clientId: string): Promise<(ApiClientRow & { secretHash: string; agencySlug: string }) | undefined> {
      const [row] = await db
        .select({ ...columns, secretHash: apiClients.secretHash, agencySlug: agencies.slug })
        .from(apiClients)
        .innerJoin(agencies, eq(agencies.id, apiClients.agencyId))
        .where(eq(apiClients.clientId, clientId))
        .limit(1)
      return row
    },

    async isActive(clientId: string): Promise<boolean> {
      const [row] = await db.select({ id: apiClients.id }).from(apiClients).where(and(eq(apiClients.clientId, clientId), isNull(apiClients.revokedAt))).limit(1)
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
