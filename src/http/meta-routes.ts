// Operational and contract routes: health probes, the OpenAPI document, and the offline docs page.
import type { FastifyInstance } from 'fastify'
import type { Database } from '../db/client.ts'
import { AppError } from '../errors.ts'
import { openapiContract } from './openapi-document.ts'

/**
 * The docs page loads only from this server (the plugin's default CSP also allows any https: style, font and validator
 * image). Swagger UI sets style attributes as it renders, so inline styles are allowed; scripts are not.
 */
const docsCsp = [
  "default-src 'self'",
  "base-uri 'self'",
  "font-src 'self' data:",
  "frame-ancestors 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "form-action 'self'",
].join('; ')

export async function metaRoutes(app: FastifyInstance, { database, isDraining }: { database: Database; isDraining: () => boolean }) {
  // Each app gets its own copy of the document: the docs plugin keeps (and may change) the one it is given.
  const contract = openapiContract()
  const openapiYaml = contract.openapiYaml
  const openapiDocument = structuredClone(contract.openapiDocument) as Record<string, unknown>

  app.get('/health/live', async function getLiveness() {
    return { status: 'ok' }
  })

  // Ready means "send me traffic": not while draining for shutdown, nor when the database does not answer. A busy
  // pool is still ready (ping has a connection of its own): pulling a loaded instance would only load the others more.
  app.get('/health/ready', async function getReadiness() {
    if (isDraining()) throw new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down; retry on another instance', { retryAfterSeconds: 1 })
    try {
      await database.ping()
    } catch (err) {
      app.log.warn({ err, pool: database.pool() }, 'readiness check failed')
      throw new AppError('DATABASE_UNAVAILABLE', 'The database is not answering', { retryAfterSeconds: 5 })
    }
    return { status: 'ok', database: database.kind }
  })

  app.get('/openapi.yaml', async function getOpenApiYaml(_request, reply) {
    return reply.type('application/yaml; charset=utf-8').send(openapiYaml)
  })
  app.get('/openapi.json', async function getOpenApiJson() {
    return openapiDocument
  })

  // Swagger UI ships its own assets, so the docs page works with no internet.
  await app.register(import('@fastify/swagger'), { mode: 'static', specification: { document: openapiDocument as never } })
  await app.register(import('@fastify/swagger-ui'), { routePrefix: '/docs', uiConfig: { deepLinking: true }, staticCSP: docsCsp })
}
