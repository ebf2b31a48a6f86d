// REST adapter for benchmarks (openapi.yaml, tag Benchmarks): norm tables, the pooling setting and pooled item aggregates.
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'
import { listQuery } from './rest-helpers.ts'

export function benchmarksRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { benchmarks } = services

  app.post('/v1/norm-tables', async function importNormTable(request, reply) {
    const created = await benchmarks.importNorm(contextOf(request), request.body)
    return reply.code(201).header('location', `/v1/norm-tables/${created.id}`).send(created)
  })

  app.get('/v1/norm-tables', async function listNormTables(request) {
    return { data: await benchmarks.listNorms(contextOf(request), listQuery(request, [])), nextCursor: null }
  })

  app.get<{ Params: { id: string } }>('/v1/norm-tables/:id', async function getNormTable(request) {
    return benchmarks.norm(contextOf(request), request.params.id)
  })

  app.delete<{ Params: { id: string } }>('/v1/norm-tables/:id', async function deleteNormTable(request, reply) {
    await benchmarks.removeNorm(contextOf(request), request.params.id)
    return reply.code(204).send()
  })

  app.get('/v1/pooling-setting', async function getPoolingSetting(request, reply) {
    reply.header('cache-control', 'no-store')
    return benchmarks.pooling(contextOf(request))
  })

  app.put('/v1/pooling-setting', async function changePoolingSetting(request) {
    return benchmarks.changePooling(contextOf(request), request.body)
  })

  app.get('/v1/pooled/item-aggregates', async function getPooledItemAggregates(request) {
    return benchmarks.pooledItemAggregates(contextOf(request), listQuery(request, ['item', 'agency']))
  })
}
