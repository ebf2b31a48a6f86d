// SQL for secrets generated once per database, so every instance and every restart uses the same one.
import { eq } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { sharedSecrets } from '../../db/schema/index.ts'

export function createSharedSecretsRepository(db: Queryable) {
  return {
    /** The secret stored under `name`; the first caller stores `candidate`, everyone (racers included) reads the winner. */
    async getOrCreate(name: string, candidate: string): Promise<string> {
      await db.insert(sharedSecrets).values({ name, secret: candidate }).onConflictDoNothing({ target: sharedSecrets.name })
      const [row] = await db.select({ secret: sharedSecrets.secret }).from(sharedSecrets).where(eq(sharedSecrets.name, name)).limit(1)
      return row!.secret
    },
  }
}
