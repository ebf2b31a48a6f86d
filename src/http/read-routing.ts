// Which requests are reads (they may be answered from the read replica) and which are writes (the caller's next reads
// must see them): src/db/replica.ts routes the statements; this tells it about requests.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { principalOf } from '../auth/actor.ts'
import type { ReplicaRouting } from '../db/replica.ts'

const GRAPHQL_PATH = '/graphql'
/** A GraphQL document that may hold a mutation (the word anywhere counts: a read taken for a write only goes to the primary). */
const MUTATION = /\bmutation\b/

/**
 * Reads answered from the primary only. The change feed reads the outbox below the oldest running transaction
 * (pg_current_snapshot()): a standby learns of a transaction only from its WAL, so its horizon may pass one that holds
 * an id but has logged nothing yet, and a reader moving its position on would skip that commit.
 */
const PRIMARY_ONLY = new Set(['/v1/changes'])

/** GETs, and GraphQL documents with no mutation; everything else may write. */
export function isRead(request: FastifyRequest): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return !PRIMARY_ONLY.has(request.routeOptions.url ?? '')
  if (request.method !== 'POST' || request.routeOptions.url !== GRAPHQL_PATH) return false
  const query = (request.body as { query?: unknown } | undefined)?.query
  return typeof query === 'string' && !MUTATION.test(query)
}

/**
 * Reads run in the replica's routing context once the caller is known; after a write answered without error, the
 * caller's WAL position is recorded before the answer leaves. `hash`: a keyed hash, so no principal or address is sent
 * to the database or other instances.
 */
export function registerReadRouting(app: FastifyInstance, { replica, hash }: { replica: ReplicaRouting; hash: (key: string) => string }): void {
  const callerOf = (request: FastifyRequest) => hash(request.actor && request.actor.kind !== 'public' ? principalOf(request.actor) : `ip:${request.ip}`)
  app.addHook('preHandler', (request, _reply, done) => {
    if (!isRead(request)) return done()
    // The rest of the request (handler included) runs inside: its statements see the routing context.
    replica.reading(callerOf(request), done)
  })
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode >= 400 || request.method === 'OPTIONS' || request.method === 'GET' || request.method === 'HEAD' || isRead(request)) return payload
    // A primary that does not answer has refused the write too: nothing to wait for.
    await replica.wrote(callerOf(request)).catch((err: unknown) => request.log.warn({ err }, 'the write position could not be recorded'))
    return payload
  })
}
