// The one place that knows environment-variable names: parse them once, report every problem at once.
import { z } from 'zod'
import { DEFAULT_GROUP_COMMIT } from './db/group-commit.ts'
import { DEFAULT_EVENT_CACHE_BYTES } from './modules/reads/event-cache.ts'

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

const originList = (v: string) => v.split(',').map((o) => o.trim()).filter(Boolean)
/** A serialized origin (scheme://host[:port]); "null", the opaque origin of sandboxes and files, is never one. */
function isOrigin(o: string): boolean {
  try {
    return new URL(o).origin === o
  } catch {
    return false
  }
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  // Reads may go to a streaming replica of DATABASE_URL (src/db/replica.ts); beyond the lag bound they go to the primary.
  DATABASE_REPLICA_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  DATABASE_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
  DATABASE_REPLICA_POLL_MS: z.coerce.number().int().min(20).max(60_000).default(200),
  DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  SEED_DEMO: booleanFlag.default(true),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(500).default(10),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(262_144),
  PUBLIC_BASE_URL: z.url().optional(),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  SHUTDOWN_NOT_READY_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_JWKS: z.string().min(1).optional(),
  AUTH_ALGORITHMS: z.string().default('RS256,ES256,EdDSA'),
  AUTH_ROLES_CLAIM: z.string().min(1).default('roles'),
  AUTH_AGENCY_CLAIM: z.string().min(1).default('agency'),
  AUTH_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  CORS_ORIGINS: z
    .string()
    .default('*')
    .refine((v) => v.trim() === '*' || originList(v).every(isOrigin), {
      error: 'must be * or a comma-separated list of origins such as https://police.example.gov (not null, no path)',
    }),
  TRUST_PROXY: z.string().optional(),
  // The schema is public (schema.graphql): clients and code generators introspect, within the GraphQL limits.
  GRAPHQL_INTROSPECTION: z.enum(['everyone', 'signed-in', 'nobody']).default('everyone'),
  TOKEN_SIGNING_JWK: z.string().min(1).optional(),
  TOKEN_ISSUER: z.string().min(1).optional(),
  IDEMPOTENCY_SCOPE_SECRET: z.string().min(32, { error: 'must be at least 32 characters (a random secret shared by every instance)' }).optional(),
  // Insights: counts of 1 … threshold−1 are never published; below 11 is refused (docs/PRIVACY.md).
  INSIGHTS_SUPPRESSION_THRESHOLD: z.coerce.number().int().min(11, { error: 'must be at least 11 (counts of 1 to 10 are always suppressed)' }).max(1000).default(11),
  INSIGHTS_MIN_RESPONSES: z.coerce.number().int().min(11, { error: 'must be at least 11' }).max(1000).optional(),
  INSIGHTS_REFRESH_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
  INSIGHTS_WARM: booleanFlag.default(true),
  // PostgreSQL: periods are built in a child process of the server's (its memory goes back when idle), or inline.
  INSIGHTS_BUILDER: z.enum(['process', 'inline']).default('process'),
  // Off sends every GraphQL query through the resolvers: for comparing the two paths, not for production.
  READ_PATH: booleanFlag.default(true),
  // List totals are exact up to this many rows; past it the total is this cap, flagged as an estimate (a lower bound).
  TOTAL_COUNT_CAP: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  // Group commit (src/db/group-commit.ts): creates' statements in flight at once, and how many that waited go as one (1: never).
  GROUP_COMMIT_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(DEFAULT_GROUP_COMMIT.inFlight),
  GROUP_COMMIT_MAX: z.coerce.number().int().min(1).max(64).default(DEFAULT_GROUP_COMMIT.members),
  // The public's views of single events kept in memory (src/modules/reads/event-cache.ts), in MB; 0 keeps none.
  EVENT_CACHE_MB: z.coerce.number().min(0).max(4096).default(DEFAULT_EVENT_CACHE_BYTES / 2 ** 20),
  CHECK_RESPONSE_SERIALIZATION: booleanFlag.default(false),
  CHECK_SQL_RENDERING: booleanFlag.default(false),
  // Webhooks: the background delivery (pg-boss) and the SSRF guard's development switches (both off in production).
  WEBHOOKS_DELIVERY: booleanFlag.default(true),
  // How often an announcement's publish and expiry times are looked for (they reach the feed and webhooks then); 0: never.
  SCHEDULED_TIMES_POLL_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  WEBHOOKS_ALLOW_HTTP: booleanFlag.default(false),
  WEBHOOKS_ALLOW_LOOPBACK: booleanFlag.default(false),
  WEBHOOKS_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  WEBHOOKS_TIMEOUT_MS: z.coerce.number().int().min(500).max(30_000).default(10_000),
  WEBHOOKS_RETRY_BASE_S: z.coerce.number().int().min(1).max(3_600).default(30),
  WEBHOOKS_RETRY_MAX_S: z.coerce.number().int().min(60).max(86_400).default(14_400),
  // Retries span at least a day before a subscription is disabled.
  WEBHOOKS_GIVE_UP_AFTER_S: z.coerce.number().int().min(86_400, { error: 'must be at least 86400 (retries span at least 24 hours)' }).max(30 * 86_400).default(86_400),
})

export type Config = {
  port: number
  host: string
  /** `replica`: a streaming replica reads may go to, the most it may lag (ms) and how often its lag is measured (ms). */
  database: { kind: 'postgres'; url: string; poolMax: number; statementTimeoutMs: number; connectTimeoutMs?: number; replica?: { url: string; maxLagMs: number; pollMs: number } } | { kind: 'pglite'; dataDir: string }
  logLevel: (typeof logLevels)[number]
  seedDemo: boolean
  bodyLimitBytes: number
  publicBaseUrl?: string
  shutdownGraceMs: number
  /** After SIGTERM, how long readiness fails while connections are still taken (capped at a quarter of the grace). */
  shutdownNotReadyMs: number
  /** Requests per minute; submissions (feedback, Open311 reports) have their own allowance, a sixth of the anonymous one per address. */
  rateLimit: { perMinute: number; anonymousPerMinute: number; anonymousSubmissionsPerMinute: number }
  /** Origins allowed to call from a browser; '*' means any (the API uses bearer tokens, never cookies). */
  corsOrigins: '*' | string[]
  /** Proxy addresses whose X-Forwarded-For is believed, so limits key on the real client (fastify trustProxy). */
  trustProxy: boolean | string | undefined
  /** Who may run GraphQL introspection; the schema itself is public in schema.graphql either way. */
  graphqlIntrospection: 'everyone' | 'signed-in' | 'nobody'
  /** Whether GraphQL queries the read path can build are answered by one SQL statement (src/modules/reads). */
  readPath: boolean
  /** TOTAL_COUNT_CAP: how many rows a list's `totalCount` counts at most before it answers the cap as an estimate. */
  totalCountCap: number
  /** GROUP_COMMIT_IN_FLIGHT and GROUP_COMMIT_MAX: while this many creates' statements run, the next wait and go together, this many at most. */
  groupCommit: { inFlight: number; members: number }
  /** EVENT_CACHE_MB in bytes: how much the public's views of single events kept in memory may take (0: none kept). */
  eventCacheBytes: number
  /** Keys the hash naming anonymous callers' Idempotency-Key namespaces; unset, derived from TOKEN_SIGNING_JWK or kept in the database. */
  idempotencyScopeSecret?: string
  auth: {
    issuer?: string
    audience?: string
    jwksUrl?: string
    /** A JSON Web Key Set given inline (JSON text), for deployments without a JWKS endpoint. */
    jwks?: { keys: Record<string, unknown>[] }
    algorithms: string[]
    rolesClaim: string
    agencyClaim: string
    /** AUTH_CLOCK_TOLERANCE_S: skew allowed on `exp`, `nbf` and `iat` (a token issued later than now + this is refused). */
    clockToleranceSeconds: number
  }
  /** Insights: the suppression threshold, the fewest answers a mean or percentile needs, how long tables are reused. */
  insights: { threshold: number; minResponses: number; refreshSeconds: number; warm: boolean; builder: 'process' | 'inline' }
  /**
   * Webhooks: `delivery` runs the background work (off: subscriptions are kept but nothing is sent from this instance);
   * `allowHttp` and `allowLoopback` relax the SSRF guard for development and tests only; retries back off from
   * `retry.baseMs` up to `retry.maxMs` and give up (disabling the subscription) `retry.giveUpAfterMs` after a delivery first failed.
   */
  webhooks: { delivery: boolean; allowHttp: boolean; allowLoopback: boolean; pollMs: number; timeoutMs: number; retry: { baseMs: number; maxMs: number; giveUpAfterMs: number } }
  /** How often announcements' publish and expiry times are noted in the outbox, in ms; 0 never (tests run it themselves). */
  scheduledTimesPollMs: number
  /** Each JSON body written from openapi.yaml's schema is compared with JSON.stringify's, and a difference is a 500 (for tests and staging). */
  checkResponseSerialization: boolean
  /** Each statement the fast renderer writes is compared with drizzle's own rendering, and a difference is an error (for tests). */
  checkSqlRendering: boolean
  /**
   * Partner credentials: this server signs short-lived tokens for API clients with its own key (a private EC P-256
   * JWK). Unset: the token endpoint says partner credentials are not configured.
   */
  partnerTokens?: {
    privateJwk: PrivateEcJwk
    issuer: string
    audience: string
    lifetimeSeconds: number
  }
}

export type PrivateEcJwk = { kty: 'EC'; crv: 'P-256'; x: string; y: string; d: string; kid?: string }

/** Partner tokens live this long: short, so a revoked credential stops working soon even where a token was cached. */
export const PARTNER_TOKEN_LIFETIME_SECONDS = 300
/** The audience of partner tokens when the deployment names none for its identity provider. */
export const DEFAULT_TOKEN_AUDIENCE = 'community-engagement-api'

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/)
const privateEcJwk = z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: base64url, y: base64url, d: base64url, kid: z.string().min(1).optional() })

export class ConfigError extends Error {
  readonly problems: string[]
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.problems = problems
  }
}

const jwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) })

/** Reads the environment into a typed Config, or throws a ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  // Empty strings mean "unset": a blank line in an env file should not be a value.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = envSchema.safeParse(cleaned)
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)

  // Cross-field checks read the raw values, so they are reported alongside any field problem.
  const raw = cleaned as Record<string, string | undefined>
  let jwks: Config['auth']['jwks']
  if (raw.AUTH_JWKS) {
    try {
      const j = jwksSchema.safeParse(JSON.parse(raw.AUTH_JWKS))
      if (j.success) jwks = j.data
      else problems.push('AUTH_JWKS: must be a JSON Web Key Set: {"keys":[...]}')
    } catch {
      problems.push('AUTH_JWKS: is not valid JSON')
    }
  }
  if ((raw.AUTH_JWKS_URL || raw.AUTH_JWKS) && (!raw.AUTH_ISSUER || !raw.AUTH_AUDIENCE))
    problems.push('AUTH_ISSUER and AUTH_AUDIENCE: required when AUTH_JWKS_URL or AUTH_JWKS is set')
  const allowed = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']
  const bad = (raw.AUTH_ALGORITHMS ?? 'RS256').split(',').map((a) => a.trim()).filter((a) => !allowed.includes(a))
  if (bad.length) problems.push(`AUTH_ALGORITHMS: only asymmetric algorithms are allowed (${allowed.join(', ')}); got ${bad.join(', ')}`)
  let signingJwk: PrivateEcJwk | undefined
  if (raw.TOKEN_SIGNING_JWK) {
    try {
      const j = privateEcJwk.safeParse(JSON.parse(raw.TOKEN_SIGNING_JWK))
      if (j.success) signingJwk = { kty: 'EC', crv: 'P-256', x: j.data.x, y: j.data.y, d: j.data.d, ...(j.data.kid ? { kid: j.data.kid } : {}) }
      else problems.push('TOKEN_SIGNING_JWK: must be a private EC P-256 JSON Web Key: {"kty":"EC","crv":"P-256","x":…,"y":…,"d":…}')
    } catch {
      problems.push('TOKEN_SIGNING_JWK: is not valid JSON')
    }
  }
  const tokenIssuer = raw.TOKEN_ISSUER ?? raw.PUBLIC_BASE_URL?.replace(/\/$/, '') ?? 'urn:community-engagement-api'
  // Tokens are told apart by issuer: the identity provider's and this server's must differ.
  if (signingJwk && raw.AUTH_ISSUER && tokenIssuer === raw.AUTH_ISSUER)
    problems.push('TOKEN_ISSUER: must differ from AUTH_ISSUER (partner tokens are recognised by their issuer)')
  if (raw.INSIGHTS_MIN_RESPONSES && Number(raw.INSIGHTS_MIN_RESPONSES) < Number(raw.INSIGHTS_SUPPRESSION_THRESHOLD ?? 11))
    problems.push('INSIGHTS_MIN_RESPONSES: must be at least INSIGHTS_SUPPRESSION_THRESHOLD')
  if (raw.DATABASE_REPLICA_URL && !raw.DATABASE_URL) problems.push('DATABASE_REPLICA_URL: needs DATABASE_URL (the primary it replicates)')
  if (problems.length || !parsed.success) throw new ConfigError(problems)

  const d = parsed.data
  return {
    port: d.PORT,
    host: d.HOST,
    database: d.DATABASE_URL
      ? {
          kind: 'postgres',
          url: d.DATABASE_URL,
          poolMax: d.DB_POOL_MAX,
          statementTimeoutMs: d.DB_STATEMENT_TIMEOUT_MS,
          ...(d.DATABASE_REPLICA_URL ? { replica: { url: d.DATABASE_REPLICA_URL, maxLagMs: d.DATABASE_REPLICA_MAX_LAG_MS, pollMs: d.DATABASE_REPLICA_POLL_MS } } : {}),
        }
      : { kind: 'pglite', dataDir: d.DATA_DIR },
    logLevel: d.LOG_LEVEL,
    seedDemo: d.SEED_DEMO,
    bodyLimitBytes: d.BODY_LIMIT_BYTES,
    publicBaseUrl: d.PUBLIC_BASE_URL?.replace(/\/$/, ''),
    shutdownGraceMs: d.SHUTDOWN_GRACE_MS,
    shutdownNotReadyMs: d.SHUTDOWN_NOT_READY_MS,
    rateLimit: {
      perMinute: d.RATE_LIMIT_PER_MINUTE,
      anonymousPerMinute: d.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      anonymousSubmissionsPerMinute: Math.max(1, Math.floor(d.RATE_LIMIT_ANONYMOUS_PER_MINUTE / 6)),
    },
    corsOrigins: d.CORS_ORIGINS.trim() === '*' ? '*' : originList(d.CORS_ORIGINS),
    graphqlIntrospection: d.GRAPHQL_INTROSPECTION,
    readPath: d.READ_PATH,
    totalCountCap: d.TOTAL_COUNT_CAP,
    groupCommit: { inFlight: d.GROUP_COMMIT_IN_FLIGHT, members: d.GROUP_COMMIT_MAX },
    eventCacheBytes: Math.round(d.EVENT_CACHE_MB * 2 ** 20),
    ...(d.IDEMPOTENCY_SCOPE_SECRET ? { idempotencyScopeSecret: d.IDEMPOTENCY_SCOPE_SECRET } : {}),
    trustProxy: d.TRUST_PROXY === undefined ? undefined : d.TRUST_PROXY === 'true' ? true : d.TRUST_PROXY === 'false' ? false : d.TRUST_PROXY,
    insights: { threshold: d.INSIGHTS_SUPPRESSION_THRESHOLD, minResponses: d.INSIGHTS_MIN_RESPONSES ?? d.INSIGHTS_SUPPRESSION_THRESHOLD, refreshSeconds: d.INSIGHTS_REFRESH_SECONDS, warm: d.INSIGHTS_WARM, builder: d.INSIGHTS_BUILDER },
    scheduledTimesPollMs: d.SCHEDULED_TIMES_POLL_MS,
    checkResponseSerialization: d.CHECK_RESPONSE_SERIALIZATION,
    checkSqlRendering: d.CHECK_SQL_RENDERING,
    webhooks: {
      delivery: d.WEBHOOKS_DELIVERY,
      allowHttp: d.WEBHOOKS_ALLOW_HTTP,
      allowLoopback: d.WEBHOOKS_ALLOW_LOOPBACK,
      pollMs: d.WEBHOOKS_POLL_MS,
      timeoutMs: d.WEBHOOKS_TIMEOUT_MS,
      retry: { baseMs: d.WEBHOOKS_RETRY_BASE_S * 1000, maxMs: d.WEBHOOKS_RETRY_MAX_S * 1000, giveUpAfterMs: d.WEBHOOKS_GIVE_UP_AFTER_S * 1000 },
    },
    auth: {
      issuer: d.AUTH_ISSUER,
      audience: d.AUTH_AUDIENCE,
      jwksUrl: d.AUTH_JWKS_URL,
      jwks,
      algorithms: d.AUTH_ALGORITHMS.split(',').map((a) => a.trim()),
      rolesClaim: d.AUTH_ROLES_CLAIM,
      agencyClaim: d.AUTH_AGENCY_CLAIM,
      clockToleranceSeconds: d.AUTH_CLOCK_TOLERANCE_S,
    },
    ...(signingJwk
      ? { partnerTokens: { privateJwk: signingJwk, issuer: tokenIssuer, audience: d.AUTH_AUDIENCE ?? DEFAULT_TOKEN_AUDIENCE, lifetimeSeconds: PARTNER_TOKEN_LIFETIME_SECONDS } }
      : {}),
  }
}

/**
 * How this server runs its own process: the V8 heap flags it re-executes itself with at start (src/server.ts), leaving
 * alone any the operator gave (on the command line or in NODE_OPTIONS), and the environment it adds then. Node 24 sizes
 * the young generation from the heap limit: on a machine with 16 GB or more, two 64 MB semi-spaces (Node 20: 16 MB),
 * 128 MB of RSS that a request/response server never needed; and with its 4 GB default limit V8 lets the old
 * generation grow to about 4× its live size between full collections (with a limit of 1 GB, to about 1.6×). glibc
 * gives each thread that allocates (V8's GC helpers, libuv's pool) an arena of its own, up to 8 per core, each kept
 * once grown: two are enough here, and blocks of a megabyte or more are mapped on their own. Measured under the
 * benchmark (BENCHMARKS.md, Memory): peak RSS 389–690 MB with Node's defaults, about 210–250 MB with these, for some
 * 5–20% more server CPU per request (collections more often).
 * Two 8 MB semi-spaces, not Node 20's 16: scavenges cost what survives, not the space's size, and the push, reach and
 * places work grew the code the server holds, so the 16 MB this gives back kept peak RSS under the budget.
 * The old-generation limit is only ever lowered (a container's memory limit may already have set a smaller one), and
 * 1 GB is far above what the server keeps (about 60 MB).
 */
export function processSettings(env: NodeJS.ProcessEnv, execArgv: readonly string[], heapSizeLimitBytes: number): { flags: string[]; env: Record<string, string> } {
  // V8 takes --max_old_space_size as well as --max-old-space-size
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].map((a) => a.replaceAll('_', '-'))
  const has = (flag: string) => given.some((a) => a === flag || a.startsWith(`${flag}=`))
  const flags: string[] = []
  if (!has('--max-semi-space-size') && !has('--max-heap-size')) flags.push(`--max-semi-space-size=${SEMI_SPACE_MB}`)
  if (!has('--max-old-space-size') && !has('--max-heap-size') && heapSizeLimitBytes > OLD_SPACE_MB * 1024 * 1024 * 1.25)
    flags.push(`--max-old-space-size=${OLD_SPACE_MB}`)
  return {
    flags,
    env: {
      ...(env.MALLOC_ARENA_MAX ? {} : { MALLOC_ARENA_MAX: String(MALLOC_ARENAS) }),
      ...(env.MALLOC_MMAP_THRESHOLD_ ? {} : { MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD_BYTES) }),
    },
  }
}
const SEMI_SPACE_MB = 8
const OLD_SPACE_MB = 1024
const MALLOC_ARENAS = 2
/**
 * A fixed size from which glibc maps each allocation on its own and unmaps it when freed. Left to itself glibc raises
 * the threshold to the largest block freed (up to 32 MB), and the driver's buffers for a large insight snapshot then
 * came from the arenas and stayed resident after they were freed.
 */
const MMAP_THRESHOLD_BYTES = 1024 * 1024
