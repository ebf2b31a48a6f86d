// The architecture stays as drawn: adapters call services, services call repositories, only config knows the environment.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import t from 'tap'

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
    if (!/server\.ts$|-cli\.ts$/.test(file) && /process\.exit\(/.test(source)) violations.push(`${file} exits the process`)
  }
  t.same(violations, [], `${files.length} files, ${violations.length} violations`)
})

t.test('when a repository is read, then it holds SQL only: no service rules, no HTTP', async (t) => {
  const repos = files.filter((f) => f.endsWith('-repository.ts'))
  t.ok(repos.length >= 2)
  for (const f of repos) t.notMatch(readFileSync(join(root, f), 'utf8'), /AppError|canManage|from 'fastify'/, relative(root, f))
})
