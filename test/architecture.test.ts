// The architecture stays as drawn: adapters call services, services call repositories, only config knows the environment.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import t from 'tap'
import { is, Table } from 'drizzle-orm'
import * as schema from '../src/db/schema/index.ts'

const root = new URL('..', import.meta.url).pathname
const files = readdirSync(join(root, 'src'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join('src', f))
const importsOf = (file: string) => [...readFileSync(join(root, file), 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!)

t.test('when src is scanned, then dependencies point the way STYLE.md draws them', async (t) => {
  const violations: string[] = []
  for (const file of files) {
    const imports = importsOf(file)
    const source = readFileSync(join(root, file), 'utf8')
    if (file.startsWith('src/modules/')) {
      for (const i of imports) if (/^(fastify|mercurius|graphql)\b|\/http\//.test(i)) violations.push(`${file} (a service or repository) imports ${i}`)
    }
    if (file.startsWith('src/http/rest/')) for (const i of imports) if (/\/graphql\//.test(i)) violations.push(`${file} imports ${i}`)
    if (file.startsWith('src/http/graphql/')) for (const i of imports) if (/\/rest\//.test(i)) violations.push(`${file} imports ${i}`)
    if (file.startsWith('src/http/')) for (const i of imports) if (/^drizzle-orm|\/db\/schema|-repository\.ts$/.test(i)) violations.push(`${file} (an adapter) reaches the database through ${i}`)
    for (const i of imports) if (/server\.ts$/.test(i)) violations.push(`${file} imports server.ts`)
    if (file !== 'src/config.ts' && /process\.env(\.[A-Z_]|\[)/.test(source)) violations.push(`${file} reads an environment variable (only config.ts knows their names)`)
    if (!/-cli\.ts$|server\.ts$/.test(file) && /\bconsole\.(log|error|warn|info)\(/.test(source)) violations.push(`${file} logs with console`)
    // Process entries: the server, the CLIs and the insights' build process (a child the server forks).
    if (!/server\.ts$|-cli\.ts$|\/build-worker\.ts$/.test(file) && /process\.exit\(/.test(source)) violations.push(`${file} exits the process`)
  }
  t.same(violations, [], `${files.length} files, ${violations.length} violations`)
})

t.test('when a repository is read, then it holds SQL only: no service rules, no HTTP', async (t) => {
  const repos = files.filter((f) => f.endsWith('-repository.ts'))
  t.ok(repos.length >= 2)
  for (const f of repos) t.notMatch(readFileSync(join(root, f), 'utf8'), /AppError|canManage|from 'fastify'/, relative(root, f))
})

// Files under src/modules that may still build SQL outside a repository, each with its reason. Keep it empty.
// (src/seed is not scanned: its files are data loaders that insert fixtures directly, not request paths.)
const sqlOutsideRepositories: Record<string, string> = {}

t.test('when src/modules is scanned, then no SQL lives outside a repository', async (t) => {
  const violations: string[] = []
  for (const file of files.filter((f) => f.startsWith('src/modules/') && !f.endsWith('-repository.ts') && !(f in sqlOutsideRepositories))) {
    const source = readFileSync(join(root, file), 'utf8')
    for (const i of importsOf(file)) if (/^drizzle-orm\b/.test(i)) violations.push(`${file} imports ${i}`)
    // Enum value lists and types from the schema are data; a table is a query waiting to be built.
    for (const m of source.matchAll(/^\s*import\s+(type\s+)?([^'"]*?)\s+from\s+['"][^'"]*\/db\/schema\b[^'"]*['"]/gm)) {
      if (m[1]) continue
      const named = /^\{([^}]*)\}$/.exec(m[2]!.trim())
      if (!named) violations.push(`${file} imports the whole schema`)
      for (const name of named?.[1]!.split(',').map((n) => n.trim()).filter((n) => n && !n.startsWith('type ')) ?? []) {
        const value = (schema as Record<string, unknown>)[name.split(/\s+as\s+/)[0]!]
        if (is(value, Table)) violations.push(`${file} imports the table ${name} from the schema`)
      }
    }
    if (/\bsql`|\.execute\(/.test(source)) violations.push(`${file} runs raw SQL`)
  }
  t.same(violations, [], `${violations.length} violations`)
})

// Services not yet moved onto the repository registry, each with its reason. Keep it shrinking.
const buildsRepositoriesInline: Record<string, string> = {
  'src/modules/agencies/agencies-service.ts': 'built before the registry; reads only its own repository',
  'src/modules/attendance/attendance-service.ts': 'create still on the transaction path',
  'src/modules/credentials/credentials-service.ts': 'not converted yet',
  'src/modules/insights/insight-builder.ts': 'builds inside its own build transaction (inBuildTransaction), in the server or its build process',
  'src/modules/insights/insights-service.ts': 'builds inside its own build transaction (inBuildTransaction)',
  'src/modules/participants/participants-service.ts': 'its reads run in agency-scope transactions (inAgencyScope); not moved yet',
  'src/modules/participants/contact-reads.ts': 'audits contact reads inside the participants transactions',
}

t.test('when services are scanned, then they reach repositories through the registry, not by importing them', async (t) => {
  const violations: string[] = []
  const services = files.filter((f) => f.startsWith('src/modules/') && !f.endsWith('-repository.ts') && f !== 'src/modules/repositories.ts' && !(f in buildsRepositoriesInline))
  for (const file of services) {
    const source = readFileSync(join(root, file), 'utf8')
    // Types from a repository (row shapes) are fine; a value import is a repository built by hand.
    for (const m of source.matchAll(/^\s*import\s+(type\s+)?\{([^}]*)\}\s+from\s+['"]([^'"]+-repository\.ts)['"]/gm)) {
      if (m[1]) continue
      const values = m[2]!.split(',').map((n) => n.trim()).filter((n) => n && !n.startsWith('type '))
      // Another module's repository is reached through the registry; a service builds not even its own.
      const otherModule = m[3]!.startsWith('../')
      const built = values.filter((n) => /^create\w*Repository$/.test(n))
      if (otherModule && values.length) violations.push(`${file} imports ${values.join(', ')} from ${m[3]}`)
      else if (file.endsWith('-service.ts') && built.length) violations.push(`${file} builds ${built.join(', ')} itself`)
    }
  }
  t.same(violations, [], `${services.length} files, ${violations.length} violations`)
})

// Creates still claiming keys inside a transaction (several round trips), each with its reason. Keep it shrinking.
const createsOnTheTransactionPath: Record<string, string> = {
  'src/modules/attendance/attendance-service.ts': 'not converted yet',
  'src/modules/topics/topics-service.ts': 'takes the vocabulary lock before reading the next version: needs a transaction',
}

t.test('when creates are scanned, then they go through the unit of work, which opens no transaction', async (t) => {
  const violations: string[] = []
  for (const file of files.filter((f) => f.startsWith('src/modules/') && !f.startsWith('src/modules/idempotency/') && !(f in createsOnTheTransactionPath))) {
    const source = readFileSync(join(root, file), 'utf8')
    if (/\bclaimIdempotencyKey\b/.test(source)) violations.push(`${file} claims an idempotency key in a transaction (use writes.create)`)
  }
  // One statement is atomic on its own: BEGIN and COMMIT would be two more round trips.
  for (const file of ['src/db/unit-of-work.ts', 'src/modules/writes.ts'])
    if (/\.transaction\(/.test(readFileSync(join(root, file), 'utf8'))) violations.push(`${file} opens a transaction`)
  t.same(violations, [], `${violations.length} violations`)
})

t.test('when repositories are scanned, then their checks are sql templates, not query builders built per create', async (t) => {
  const violations: string[] = []
  for (const file of files.filter((f) => f.endsWith('-repository.ts'))) {
    const source = readFileSync(join(root, file), 'utf8')
    // A method named …Check(…) up to the next method: a check is built anew by every create that reads it.
    for (const [, name, body] of source.matchAll(/\n {4}(\w+Check)\([^)]*\)[^{]*\{([\s\S]*?)\n {4}\}/g))
      if (/\bdb\s*\.\s*(select|selectDistinct)\b/.test(body!)) violations.push(`${file}: ${name} builds a query builder`)
  }
  t.same(violations, [], `${violations.length} violations`)
})
