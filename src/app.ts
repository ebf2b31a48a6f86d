// Builds the application: plugins in a fixed, commented order. Never listens; server.ts does.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet, { type HelmetOptions } from 'helmet'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import type { DestinationStream } from 'pino'
import { systemClock, type Clock } from './clock.ts'
import type { Config } from './config.ts'
import type { Database } from './db/client.ts'
import { createPartnerTokens } from './auth/partner-tokens.ts'
import { createTokenVerifier } from './auth/verify-token.ts'
import { AppError } from './errors.ts'
import { graphqlSchemaPath, registerGraphql } from './http/graphql/graphql-plugin.ts'
import { explorerRoutes } from './http/explorer-routes.ts'
import { metaRoutes } from './http/meta-routes.ts'
import { lazyChildLogger, logSerializers } from './logging.ts'
import { sendProblem } from './http/problem.ts'
import { bearerTokenOf, challengeOf } from './http/request-context.ts'
import { refuseControlCharactersInRequest } from './http/text-guard.ts'
import { refuseControlCharactersInGraphql } from './http/graphql/text-guard-hook.ts'
import { submissionLimitHook } from './http/graphql/submission-limit-hook.ts'
import { createEndorsementLimit, createSubmissionLimit } from './http/submission-limit.ts'
import { createAnonymousScope, scopeSecret } from './modules/idempotency/anonymous-scope.ts'
import { principalOf, publicActor, type Actor } from './auth/actor.ts'
import { agenciesRoutes } from './http/rest/agencies-routes.ts'
import { credentialsRoutes, tokenRoutes } from './http/rest/credentials-routes.ts'
import { eventFormatsRoutes } from './http/rest/event-formats-routes.ts'
import { eventsRoutes } from './http/rest/events-routes.ts'
import { organizationsRoutes } from './http/rest/organizations-routes.ts'
import { peopleRoutes } from './http/rest/people-routes.ts'
import { insightsRoutes } from './http/rest/insights-routes.ts'
import { benchmarksRoutes } from './http/rest/benchmarks-routes.ts'
import { loopRoutes } from './http/rest/loop-routes.ts'
import { changesRoutes } from './http/rest/changes-routes.ts'
import { prioritiesRoutes } from './http/rest/priorities-routes.ts'
import { contactsRoutes } from './http/rest/contacts-routes.ts'
import { liaisonsRoutes } from './http/rest/liaisons-routes.ts'
import { announcementsRoutes } from './http/rest/announcements-routes.ts'
import { open311Routes } from './http/rest/open311-routes.ts'
import { serializeFromContract } from './http/rest/response-schemas.ts'
import { webhooksRoutes } from './http/rest/webhooks-routes.ts'
import { createServices, type Services } from './modules/services.ts'
import { createSharedAllowances, type SharedAllowances } from './modules/rate-limits/shared-allowances.ts'
import { sharedRateLimitStore } from './http/shared-rate-limit-store.ts'
import { registerReadRouting } from './http/read-routing.ts'
import { checkRenderingAgainstDrizzle } from './db/render-sql.ts'

/** `logStream`: where log lines go (stdout when unset); tests pass a stream to read what was logged. `clock`: the time every
 * request is served at (default: the wall clock). */
export type AppOptions = { config: Config; database: Database; logStream?: DestinationStream; clock?: Clock }

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
    /** Starts draining for shutdown: readiness fails and every reply closes its connection; requests are still served. */
    startDraining(): void
    clock: Clock
    /** Requests counted and slices taken from the shared store (shared-allowances.ts), for tests and benchmarks. */
    rateLimitStats: SharedAllowances['stats']
  }
  interface FastifyContextConfig {
    /** The route authenticates OAuth clients itself; a bearer token is not looked for. */
    clientAuthentication?: boolean
  }
}

export async function buildApp({ config, database, logStream, clock = systemClock }: AppOptions): Promise<FastifyInstance> {
  if (config.checkSqlRendering) checkRenderingAgainstDrizzle(true)
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Tokens, cookies and anything personal never reach the logs.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.password', '*.secret', '*.clientSecret', '*.client_secret', '*.access_token', '*.email', '*.phone', '*.contact', '*.displayName', '*.affiliation'], censor: '[redacted]' },
      // Query values by allow-list, no client address; errors without SQL, parameters or stacks (logging.ts).
      // (Fastify's type wants a stack from the err serializer: leaving it out is the point, hence the cast.)
      serializers: logSerializers as never,
      ...(logStream ? { stream: logStream } : {}),
    },
    // A request's child logger is made only when the request logs something (logging.ts).
    childLoggerFactory: lazyChildLogger as never,
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Requests arriving while draining get our own 503 problem (below), not Fastify's bare JSON.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    ...(config.trustProxy !== undefined ? { trustProxy: config.trustProxy } : {}),
  })
  // Partner API clients get tokens this server signs (when a signing key is configured) and verifies itself.
  const partnerTokens = config.partnerTokens ? await createPartnerTokens(config.partnerTokens, clock) : undefined
  const baseUrl = config.publicBaseUrl ?? `http://${config.host}:${config.port}`
  const { webhooks } = config
  const services = createServices(database, {
    clock,
    partnerTokens,
    insights: config.insights,
    totalCountCap: config.totalCountCap,
    groupCommit: config.groupCommit,
    eventCacheBytes: config.eventCacheBytes,
    log: app.log,
    webhooks: {
      guard: { allowHttp: webhooks.allowHttp, allowLoopback: webhooks.allowLoopback },
      delivery: { baseUrl, timeoutMs: webhooks.timeoutMs, retry: webhooks.retry },
      worker: { pollMs: webhooks.pollMs, sendConcurrency: 4 },
    },
  })
  // Announcements going live or expiring are noted while the app runs (every instance sweeps; each moment is noted once).
  app.addHook('onReady', async () => services.scheduledTimes.start(config.scheduledTimesPollMs))
  app.addHook('onClose', async () => services.scheduledTimes.stop())
  // Caches follow changes made on any instance from when the app is ready (a first listen empties them: nothing missed).
  app.addHook('onReady', async () => services.caches.start())
  app.addHook('onClose', async () => services.caches.stop())
  // Insight tables are stored once for every instance; each hears the others' rebuilds so its cache stays exact.
  app.addHook('onReady', async () => services.insights.start())
  app.addHook('onClose', async () => services.insights.stop())
  // Webhook delivery runs while the app does: started once it is ready, stopped (in-flight sends finished) when it closes.
  if (webhooks.delivery) {
    app.addHook('onReady', async () => services.webhookWorker.start())
    app.addHook('onClose', async () => services.webhookWorker.stop())
  }
  const verify = createTokenVerifier(
    config.auth,
    partnerTokens && { tokens: partnerTokens, isActive: (clientId) => services.credentials.isActive(clientId) },
    (agencySlug, organizationId) => services.credentials.isActivePartner(agencySlug, organizationId),
    clock,
  )
  // Every instance (and every restart) must name an address's key namespace alike, or an anonymous retry would create twice.
  const anonymousScope = createAnonymousScope(await scopeSecret(database.db, { configured: config.idempotencyScopeSecret, signingKey: config.partnerTokens?.privateJwk.d }))
  app.decorate('services', services)
  // Every request's context reads the time from here (contextOf).
  app.decorate('clock', clock)

  // 1. Every reply carries its request id, so a caller can quote it. While draining, each reply closes its connection
  // (no keep-alive socket is left idle to be cut under a request); once closing, requests still arriving get a 503.
  const lifecycle = { draining: false, closing: false }
  app.decorate('startDraining', () => void (lifecycle.draining = true))
  app.addHook('preClose', async () => {
    lifecycle.draining = lifecycle.closing = true
  })
  // Hooks on every request take callbacks, not promises: each async hook costs a request a promise and a microtask turn.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    if (lifecycle.draining) reply.header('connection', 'close')
    // Answered here: the request goes no further (a hook that sends does not call done).
    if (lifecycle.closing) sendProblem(reply, request, new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down; retry on another instance', { retryAfterSeconds: 1 }))
    else done()
  })
  // Only JSON bodies are accepted; anything else is 415, not a string handed to validation.
  app.removeContentTypeParser('text/plain')

  // 2. Errors: one RFC 9457 shape for everything, framework errors included.
  app.setErrorHandler((err, request, reply) => sendProblem(reply, request, err))
  const routePatterns: { methods: Set<string>; pattern: RegExp }[] = []
  app.addHook('onRoute', (route) => {
    // The CORS preflight catch-all and the docs assets are not API routes.
    if (route.url === '*' || route.url.startsWith('/docs')) return
    const pattern = new RegExp(`^${route.url.replace(/:[^/]+/g, '[^/]+').replace(/\*/g, '.*')}/?$`)
    const methods = [route.method].flat().map((m) => m.toUpperCase())
    const known = routePatterns.find((r) => r.pattern.source === pattern.source)
    if (known) methods.forEach((m) => known.methods.add(m))
    else routePatterns.push({ methods: new Set(methods), pattern })
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!
    const route = routePatterns.find((r) => r.pattern.test(path))
    if (route) {
      reply.header('allow', [...route.methods].join(', '))
      return sendProblem(reply, request, new AppError('METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use ${[...route.methods].join(', ')}`))
    }
    return sendProblem(reply, request, new AppError('ROUTE_NOT_FOUND', `There is no route ${request.method} ${path}`))
  })

  // Documented JSON success bodies are written from openapi.yaml's response schemas (fast-json-stringify), for every route
  // registered from here on; problems, JSON-LD, CSV and the other formats keep their own writers.
  app.addHook('onRoute', serializeFromContract({ checked: config.checkResponseSerialization }))

  // 3. Security headers; CORS `*` by default, never a reflected origin (so never `null`): bearer tokens, no cookies, so no credentials mode.
  // helmet's headers are the same on every response: worked out once, then set with the reply's own headers (a header
  // set on the raw response makes Node merge every other header one by one when the response is written).
  const securityHeaders = helmetHeaders({ crossOriginResourcePolicy: { policy: 'cross-origin' } })
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders)
    done()
  })
  await app.register(import('@fastify/cors'), {
    origin: config.corsOrigins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Accept-Language', 'Cache-Control', 'If-Match', 'Idempotency-Key', 'X-Request-Id', 'X-Purpose'],
    exposedHeaders: ['ETag', 'Location', 'Link', 'Content-Language', 'Retry-After', 'Idempotent-Replayed', 'X-Request-Id', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
    maxAge: 600,
    // A bare OPTIONS (no Origin) gets an empty 204, not a plain-text 400.
    strictPreflight: false,
  })
  // With an allow-list the answer depends on Origin: routes that set their own Vary must not drop it (caches would mix origins).
  if (config.corsOrigins !== '*')
    app.addHook('onSend', async (_request, reply) => {
      const vary = String(reply.getHeader('vary') ?? '')
      if (!/(^|,)\s*(origin|\*)\s*(,|$)/i.test(vary)) reply.header('vary', vary ? `${vary}, Origin` : 'Origin')
    })

  // 4. Input: control characters are refused at the edge, naming the field (GraphQL's own check is after its registration).
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      if (request.routeOptions.url !== GRAPHQL_PATH) refuseControlCharactersInRequest(request)
    } catch (err) {
      return done(err as Error)
    }
    done()
  })

  // 5. Authentication: the actor is resolved once per request, before any handler runs.
  app.decorateRequest('actor', null as never)
  // Set once the rate limiter is registered (below): a refused token counts against the client address.
  let countAgainstAddress: ReturnType<FastifyInstance['createRateLimit']>
  // A bad token is refused everywhere, never quietly treated as no token.
  /** The public at a client address; the address's key namespace (a keyed hash) is worked out only if an Idempotency-Key needs it. */
  const publicAt = (ip: string): Actor => {
    let scope: string | undefined
    return { kind: 'public', get scope() { return (scope ??= anonymousScope(ip)) } }
  }
  const refuse = async (request: FastifyRequest, err: unknown): Promise<never> => {
    // Only a refused token counts: an outage while checking a good one (503) must not use up the address's allowance.
    if (!(err instanceof AppError && err.code === 'UNAUTHENTICATED')) throw err
    // The route's limiter never runs after a throw, so guessing tokens would be unlimited: count the refusal here.
    request.actor = publicActor
    const limit = await countAgainstAddress(request)
    if (!limit.isAllowed && limit.isExceeded) throw rateLimited(limit.ttlInSeconds)
    throw err
  }
  app.addHook('preHandler', (request, _reply, done) => {
    let token: string | undefined
    try {
      // The token endpoint authenticates OAuth clients itself (HTTP Basic or form fields), not bearer tokens.
      token = request.routeOptions.config.clientAuthentication ? undefined : bearerTokenOf(request)
    } catch (err) {
      return void refuse(request, err).catch(done)
    }
    // No token: the public, at once (no promise on the path most reads take).
    if (token === undefined) {
      request.actor = publicAt(request.ip)
      return done()
    }
    verify(token).then(
      (actor) => {
        request.actor = actor.kind === 'public' ? publicAt(request.ip) : actor
        done()
      },
      (err: unknown) => refuse(request, err).catch(done),
    )
  })
  // Every 401 names the scheme to authenticate with (RFC 9110 §11.6.1, RFC 6750 §3), whichever door answered it.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', challengeOf(request))
    done(null, payload)
  })

  // 5b. With a read replica: reads (GETs, GraphQL without mutations) may be answered from it, after the caller's own writes.
  if (database.replica) registerReadRouting(app, { replica: database.replica, hash: anonymousScope })

  // 6. Rate limits per principal (anonymous callers per client address), after the actor is known. Counted across every
  // instance on the database (shared-allowances.ts: slices of each allowance, not a statement per request).
  const allowances = createSharedAllowances({ database, hash: anonymousScope, log: app.log })
  allowances.start()
  app.decorate('rateLimitStats', allowances.stats)
  app.addHook('onClose', async () => allowances.stop())
  await app.register(import('@fastify/rate-limit'), {
    hook: 'preHandler',
    store: sharedRateLimitStore(allowances),
    timeWindow: 60_000,
    enableDraftSpec: true,
    keyGenerator: (request) => (request.actor && request.actor.kind !== 'public' ? principalOf(request.actor) : `ip:${request.ip}`),
    max: (_request, key) => (key.startsWith('ip:') ? config.rateLimit.anonymousPerMinute : config.rateLimit.perMinute),
    allowList: (request) => (request.routeOptions.url ?? '').startsWith('/health'),
    errorResponseBuilder: (_request, context) => rateLimited(Math.ceil(context.ttl / 1000)),
  })
  // The global store and key: a refused token uses the same per-address allowance as any anonymous request.
  countAgainstAddress = app.createRateLimit()
  // Submissions have one allowance whichever door they use (REST, Open311, GraphQL): one limiter, one store.
  const { perMinute, anonymousSubmissionsPerMinute } = config.rateLimit
  const submissionLimit = createSubmissionLimit(app.createRateLimit({ max: (_request: FastifyRequest, key: string) => (key.startsWith('ip:') ? anonymousSubmissionsPerMinute : perMinute), timeWindow: 60_000, ...named('submissions') }))
  const endorsementLimit = createEndorsementLimit(app, submissionLimit)

  // 7. Operations and contracts: health, OpenAPI document, docs page, and the GraphQL explorer (all offline).
  await app.register(metaRoutes, { database, isDraining: () => lifecycle.draining })
  await app.register(explorerRoutes, { schemaPath: graphqlSchemaPath })

  // 8. REST (openapi.yaml), then 9. GraphQL (schema.graphql): two thin doors onto the same services.
  await app.register(async (rest) => {
    agenciesRoutes(rest, { services })
    eventsRoutes(rest, { services, baseUrl, readPath: config.readPath })
    eventFormatsRoutes(rest, { services })
    organizationsRoutes(rest, { services, baseUrl })
    credentialsRoutes(rest, { services })
    peopleRoutes(rest, { services, baseUrl })
    insightsRoutes(rest, { services })
    benchmarksRoutes(rest, { services })
    loopRoutes(rest, { services, baseUrl, submissionLimit })
    changesRoutes(rest, { services, baseUrl })
    webhooksRoutes(rest, { services })
    prioritiesRoutes(rest, { services, baseUrl, submissionLimit, endorsementLimit })
    announcementsRoutes(rest, { services, baseUrl })
    liaisonsRoutes(rest, { services, baseUrl })
    contactsRoutes(rest, { services, submissionLimit })
  })
  // The OAuth 2.0 token endpoint takes form bodies (RFC 6749 §4.4.2); only it does, so its parser lives in its own scope.
  await app.register(async (oauth) => {
    tokenRoutes(oauth, { services })
  })
  // The Open311 GeoReport v2 facade: form bodies and the spec's own error shape, so it too has a scope of its own.
  await app.register(async (open311) => open311Routes(open311, { services, baseUrl, submissionLimit }))
  await registerGraphql(app, { services, verify, endorsementLimit, introspection: config.graphqlIntrospection, readPath: config.readPath })
  // GraphQL's strings are checked where its variables and literals are known; submissions count as REST's do.
  app.graphql.addHook('preExecution', refuseControlCharactersInGraphql)
  app.graphql.addHook('preExecution', submissionLimitHook(submissionLimit))

  return app
}

/** Mercurius's route (graphql-plugin.ts): its strings are checked by its own hook, which knows variables and literals. */
const GRAPHQL_PATH = '/graphql'
/** A limiter's own count in the shared store (shared-rate-limit-store.ts): the plugin passes its options through to it. */
const named = (storeName: string) => ({ storeName }) as object
const rateLimited = (seconds: number) => new AppError('RATE_LIMITED', `Too many requests; retry in ${seconds} s`, { retryAfterSeconds: seconds })

/** The headers helmet's middleware sets, collected from one run of it (its options here make them the same every time). */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  }
  let ran = false
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err
    ran = true
  })
  if (!ran) throw new Error('helmet did not run to its end at once')
  return headers
}
