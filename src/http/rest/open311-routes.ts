// REST adapter for the Open311 GeoReport v2 facade (openapi.yaml, tag Open311): `.json` or `.xml` on every resource,
// form-encoded reports, and errors in the spec's own shape instead of problem+json. Registered in a scope of its own.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, catalogue } from '../../errors.ts'
import type { Services } from '../../modules/services.ts'
import { classify, logFailure } from '../problem.ts'
import { contextOf } from '../request-context.ts'
import type { SubmissionLimit } from '../submission-limit.ts'
import { open311ContentTypes, open311Documents, open311Formats, render, type Open311Format } from './open311-format.ts'

type FormatParams = { Params: { format: string } }

/** Discovery's changeset: the facade changes only with a new release, so the time this process loaded it stands in. */
const changeset = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
type Open311Deps = { services: Services; baseUrl: string; submissionLimit: SubmissionLimit }

/** The format a URL asks for; anything but json and xml is an unknown resource (answered in JSON). */
function formatOf(request: FastifyRequest): Open311Format {
  const asked = (request.params as { format?: string } | undefined)?.format
  return open311Formats.includes(asked as Open311Format) ? (asked as Open311Format) : 'json'
}

function checkFormat(request: FastifyRequest<FormatParams>) {
  if (!open311Formats.includes(request.params.format as Open311Format))
    throw new AppError('ROUTE_NOT_FOUND', `Format ${request.params.format} is not served; use .json or .xml`)
}

function send(request: FastifyRequest, reply: FastifyReply, doc: { json: unknown; xml: () => string }) {
  const format = formatOf(request)
  reply.header('vary', 'Accept-Language')
  return reply.type(open311ContentTypes[format]).send(render(format, doc))
}

export function open311Routes(app: FastifyInstance, { services, baseUrl, submissionLimit }: Open311Deps) {
  const { open311 } = services

  // GeoReport v2 reports are form-encoded; nothing else is parsed here (JSON bodies are 415, in the spec's error shape).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    const form: Record<string, string> = {}
    for (const [key, value] of new URLSearchParams(body as string)) {
      if (key in form) return done(new AppError('VALIDATION_FAILED', `${key} is given more than once`, { errors: [{ field: key, message: 'may be given once' }] }), undefined)
      form[key] = value
    }
    done(null, form)
  })

  // Errors as the spec shows them: [{code, description}] or <errors><error>…, with the HTTP status as the code.
  app.setErrorHandler((err, request, reply) => {
    const c = classify(err)
    const status = catalogue[c.code].status
    logFailure(request.log, c.code, err)
    if (c.retryAfterSeconds) reply.header('retry-after', String(c.retryAfterSeconds))
    const description = c.code === 'UNSUPPORTED_MEDIA_TYPE' ? 'Send the request as application/x-www-form-urlencoded' : c.detail
    const format = formatOf(request)
    return reply.code(status).type(open311ContentTypes[format]).send(render(format, open311Documents.errors([{ code: status, description }])))
  })

  app.get<FormatParams>('/open311/v2/discovery.:format', async function getOpen311Discovery(request, reply) {
    checkFormat(request)
    return send(request, reply, open311Documents.discovery(open311.discovery(contextOf(request), request.query, { baseUrl, changeset })))
  })

  app.get<FormatParams>('/open311/v2/services.:format', async function listOpen311Services(request, reply) {
    checkFormat(request)
    return send(request, reply, open311Documents.services(await open311.services(contextOf(request), request.query)))
  })

  app.get<{ Params: { format: string; service_code: string } }>('/open311/v2/services/:service_code.:format', async function getOpen311ServiceDefinition(request, reply) {
    checkFormat(request)
    return send(request, reply, open311Documents.serviceDefinition(await open311.serviceDefinition(contextOf(request), request.params.service_code, request.query)))
  })

  app.get<FormatParams>('/open311/v2/requests.:format', async function listOpen311Requests(request, reply) {
    checkFormat(request)
    return send(request, reply, open311Documents.requests(await open311.requests(contextOf(request), request.query)))
  })

  app.get<{ Params: { format: string; service_request_id: string } }>('/open311/v2/requests/:service_request_id.:format', async function getOpen311Request(request, reply) {
    checkFormat(request)
    return send(request, reply, open311Documents.requests(await open311.request(contextOf(request), request.params.service_request_id, request.query)))
  })

  app.post<FormatParams>(
    '/open311/v2/requests.:format',
    {
      // As POST /v1/feedback: the shared submission allowance, and no access log line.
      logLevel: 'warn',
      preHandler: submissionLimit,
    },
    async function createOpen311Request(request, reply) {
      checkFormat(request)
      const created = await open311.submit(contextOf(request), request.body)
      reply.code(201)
      return send(request, reply, open311Documents.created(created))
    },
  )
}
