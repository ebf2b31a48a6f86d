// REST adapter for partner API credentials and the OAuth 2.0 token endpoint (openapi.yaml).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../../errors.ts'
import type { TokenRequest } from '../../modules/credentials/credentials-service.ts'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'

type IdParams = { Params: { id: string } }

export function credentialsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { credentials } = services

  app.post<IdParams>('/v1/organizations/:id/api-clients', async function createApiClient(request, reply) {
    const created = await credentials.issue(contextOf(request), request.params.id, request.body)
    // The secret is in this answer only: no cache may keep it.
    reply.code(201).header('cache-control', 'no-store').header('location', `/v1/organizations/${created.organizationId}/api-clients`)
    return created
  })

  app.get<IdParams>('/v1/organizations/:id/api-clients', async function listApiClients(request) {
    return { data: await credentials.list(contextOf(request), request.params.id), nextCursor: null }
  })

  app.post<IdParams>('/v1/api-clients/:id/revoke', async function revokeApiClient(request) {
    return credentials.revoke(contextOf(request), request.params.id)
  })
}

export function tokenRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    const params = new URLSearchParams(body as string)
    const form: Record<string, string> = {}
    for (const [key, value] of params) {
      // RFC 6749 §3.2: request parameters must not be included more than once.
      if (key in form) return done(new AppError('INVALID_TOKEN_REQUEST', `${key} is given more than once`), undefined)
      form[key] = value
    }
    done(null, form)
  })

  app.post('/oauth/token', { config: { clientAuthentication: true } }, async function issueToken(request, reply) {
    if (request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() !== 'application/x-www-form-urlencoded')
      throw new AppError('INVALID_TOKEN_REQUEST', 'Send the token request as application/x-www-form-urlencoded')
    const basic = basicCredentials(request)
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
    try {
      return await services.credentials.exchange(contextOf(request), { form: (request.body ?? {}) as Record<string, string>, ...(basic ? { basic } : {}) })
    } catch (err) {
      // RFC 6749 §5.2: a client that tried HTTP Basic is told which scheme to use.
      if (basic && err instanceof AppError && err.code === 'INVALID_CLIENT') reply.header('www-authenticate', 'Basic realm="partner-credentials"')
      throw err
    }
  })
}

/** HTTP Basic client credentials (RFC 6749 §2.3.1: each part form-urlencoded), or none; another scheme is a bad request. */
function basicCredentials(request: FastifyRequest): TokenRequest['basic'] {
  const header = request.headers.authorization
  if (!header) return undefined
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header)
  if (!match) throw new AppError('INVALID_TOKEN_REQUEST', 'Authenticate the client with HTTP Basic or with client_id and client_secret in the body')
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) throw new AppError('INVALID_CLIENT', 'The Basic credentials are not client_id:client_secret')
  const part = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '))
    } catch {
      throw new AppError('INVALID_CLIENT', 'The Basic credentials are not form-encoded')
    }
  }
  return { clientId: part(decoded.slice(0, colon)), clientSecret: part(decoded.slice(colon + 1)) }
}
