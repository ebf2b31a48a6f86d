// The deployment files, checked without a Docker engine: docker-compose.yml against the Compose Specification's JSON
// schema (vendored in test/fixtures/compose-spec), its profiles, health checks, mounts and settings; the Dockerfile
// against package.json.
import { existsSync, readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import t from 'tap'
import { parse } from 'yaml'

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')

type Service = {
  build?: unknown
  image?: string
  profiles?: string[]
  healthcheck?: { test?: string[] | string; disable?: boolean }
  environment?: Record<string, string>
  depends_on?: Record<string, { condition: string }>
  volumes?: string[]
  ports?: string[]
}
const text = read('docker-compose.yml')
const compose = parse(text, { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> }
const services = Object.entries(compose.services)
const inProfile = (profile: string | undefined) => services.filter(([, s]) => (profile ? s.profiles?.includes(profile) : !s.profiles?.length)).map(([name]) => name)

function validator() {
  const schema = JSON.parse(read('test/fixtures/compose-spec/compose-spec.json'))
  // The spec names its draft by an https URL that Ajv does not know; the schema is draft-07, Ajv's own default.
  delete schema.$schema
  return new Ajv({ allErrors: true, strict: false }).compile(schema)
}

t.test('when docker-compose.yml is checked against the Compose Specification schema, then it is valid, and a broken copy is not', async (t) => {
  const validate = validator()
  t.ok(validate(compose), `valid: ${JSON.stringify(validate.errors?.slice(0, 5))}`)
  const broken = structuredClone(compose)
  ;(broken.services.api as Record<string, unknown>).healthcheck = { test: ['CMD', 'true'], retries: 'three' }
  ;(broken.services.db as Record<string, unknown>).restart_policy = 'always'
  t.notOk(validate(broken), 'a wrong type and an unknown key are refused (the check is live)')
})

t.test('when the profiles are read, then the default runs one instance on PostgreSQL and "scaled" adds a replica, three instances and a balancer', async (t) => {
  t.same(inProfile(undefined).sort(), ['api', 'db'], 'default: the primary and one API instance')
  t.same(inProfile('scaled').sort(), ['api-1', 'api-2', 'api-3', 'db-replica', 'lb'], 'scaled: replica, three instances, load balancer')
  t.same(services.flatMap(([, s]) => s.profiles ?? []).filter((p) => p !== 'scaled'), [], 'no other profile')
  for (const [name, s] of services) {
    for (const dependency of Object.keys(s.depends_on ?? {})) {
      const needed = compose.services[dependency]
      t.ok(needed, `${name} depends on ${dependency}, which exists`)
      // A service runs in every profile its dependencies run in, or Compose would start it without them.
      const enabled = !needed!.profiles?.length || Boolean(s.profiles?.length && s.profiles.every((p) => needed!.profiles!.includes(p)))
      t.ok(enabled, `${name}'s dependency ${dependency} runs in every profile ${name} runs in`)
      t.equal(s.depends_on![dependency]!.condition, 'service_healthy', `${name} waits for ${dependency} to be healthy`)
    }
  }
  const scaledApis = ['api-1', 'api-2', 'api-3'].map((n) => compose.services[n]!)
  t.ok(scaledApis.every((s) => s.environment?.DATABASE_REPLICA_URL?.includes('@db-replica:')), 'each scaled instance reads from the replica')
  t.ok(scaledApis.every((s) => s.environment?.DATABASE_URL?.includes('@db:') && !s.ports), 'each writes to the primary and publishes no port')
  t.same(compose.services.lb!.ports, ['8080:8080'], 'the balancer is the way in')
})

t.test('when every service is read, then each has a health check', async (t) => {
  for (const [name, s] of services) {
    t.ok(s.healthcheck?.test && !s.healthcheck.disable, `${name} has a health check`)
    const test = [s.healthcheck?.test ?? []].flat().join(' ')
    if (s.build) t.match(test, /\/health\/ready/, `${name} checks the API's readiness`)
    if (s.image?.startsWith('postgres')) t.match(test, /pg_isready/, `${name} checks PostgreSQL with pg_isready`)
  }
})

t.test('when the API services are configured, then every variable they set is one src/config.ts reads', async (t) => {
  const known = new Set([...read('src/config.ts').matchAll(/^ {2}([A-Z][A-Z0-9_]+): z\b/gm)].map((m) => m[1]))
  t.ok(known.has('DATABASE_REPLICA_URL') && known.size > 30, 'the names were read from config.ts')
  for (const [name, s] of services.filter(([, s]) => s.build)) {
    for (const variable of Object.keys(s.environment ?? {})) t.ok(known.has(variable), `${name}: ${variable} is a setting of the API`)
  }
})

t.test('when files are mounted, then they are in the repository, and the balancer sends to exactly the scaled instances', async (t) => {
  for (const [name, s] of services) {
    for (const volume of s.volumes ?? []) {
      const source = volume.split(':')[0]!
      if (source.startsWith('./')) t.ok(existsSync(new URL(`../${source.slice(2)}`, import.meta.url)), `${name} mounts ${source}, which exists`)
      else t.ok(compose.volumes && source in compose.volumes, `${name} mounts the named volume ${source}, which is declared`)
    }
  }
  const upstream = [...read('deploy/nginx/nginx.conf').matchAll(/^\s*server (\S+):3000\b/gm)].map((m) => m[1])
  t.same(upstream.sort(), ['api-1', 'api-2', 'api-3'], 'nginx upstream: the three instances')
  t.match(read('deploy/postgres/replica-entrypoint.sh'), /pg_basebackup .*-R/, 'the replica is cloned from the primary as a standby')
  t.match(read('deploy/postgres/pg_hba.conf'), /^host\s+replication\s+all\s+all\s+scram-sha-256$/m, 'the primary accepts replication with a password')
})

t.test('when the Dockerfile is read, then it builds with package.json scripts and runs the compiled server on Node 24', async (t) => {
  const dockerfile = read('Dockerfile')
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; engines: { node: string } }
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!)
  t.ok(froms.length > 0 && froms.every((f) => /^node:24[-.]/.test(f)), `every stage is Node 24 (${froms.join(', ')})`)
  const floor = /^>=(\d+)/.exec(pkg.engines.node)
  t.ok(floor && Number(floor[1]) <= 24, `package.json engines (${pkg.engines.node}) admit Node 24`)
  t.match(dockerfile, /^RUN npm run build$/m, 'the build stage runs the build script')
  t.match(pkg.scripts.build!, /tsconfig\.build\.json/, 'which compiles with tsconfig.build.json')
  t.ok(existsSync(new URL('../tsconfig.build.json', import.meta.url)), 'tsconfig.build.json exists')
  const cmd = /^CMD \[(.*)\]$/m.exec(dockerfile)?.[1]?.replace(/"/g, '').split(/,\s*/).join(' ')
  t.equal(cmd, pkg.scripts['start:prod'], 'CMD is package.json start:prod')
  t.match(dockerfile, /^COPY migrations \.\/migrations$/m, 'the migrations ship in the image')
  t.match(dockerfile, /^HEALTHCHECK .*\/health\/ready/m, 'the image has its own health check')
  t.match(dockerfile, /^USER node$/m, 'it runs as a non-root user')
})
