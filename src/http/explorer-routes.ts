// The GraphQL explorer page (GraphiQL), whose HTML, scripts and styles all come from this server so it works offline, and the SDL.
import { createReadStream, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildSchema, introspectionFromSchema } from 'graphql'
import { AppError } from '../errors.ts'

const publicDir = new URL('../../public/graphiql/', import.meta.url)
const require = createRequire(import.meta.url)
/** A file inside an installed package (React keeps its UMD builds out of its `exports`). */
const packageFile = (pkg: string, file: string) => join(dirname(require.resolve(`${pkg}/package.json`)), file)

/** Only self: no CDN, no inline script or style; GraphiQL's stylesheet embeds its fonts and icons as data: URLs. */
export const explorerCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ')

const assets: Record<string, { path: string; type: string }> = {
  'react.production.min.js': { path: packageFile('react', 'umd/react.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'react-dom.production.min.js': { path: packageFile('react-dom', 'umd/react-dom.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'graphiql.min.js': { path: packageFile('graphiql', 'graphiql.min.js'), type: 'text/javascript; charset=utf-8' },
  'graphiql.min.css': { path: packageFile('graphiql', 'graphiql.min.css'), type: 'text/css; charset=utf-8' },
}

export async function explorerRoutes(app: FastifyInstance, { schemaPath }: { schemaPath: URL }) {
  const page = readFileSync(new URL('index.html', publicDir), 'utf8')
  const script = readFileSync(new URL('explorer.js', publicDir), 'utf8')
  const style = readFileSync(new URL('explorer.css', publicDir), 'utf8')
  // A developer tool: its 4 MB of scripts stay on disk and its introspection is built when first asked for, not at start.
  let introspection: ReturnType<typeof introspectionFromSchema> | undefined

  // This plugin's routes only (hooks are encapsulated): every explorer reply carries the self-only policy.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', explorerCsp)
  })

  // The contract itself, for code generators and GraphiQL-like tools: the same public schema introspection shows.
  const sdl = readFileSync(schemaPath, 'utf8')
  app.get('/schema.graphql', async function getGraphqlSchema(_request, reply) {
    return reply.type('application/graphql; charset=utf-8').header('cache-control', 'public, max-age=300').send(sdl)
  })

  app.get('/graphiql', async function getGraphqlExplorer(_request, reply) {
    return reply.type('text/html; charset=utf-8').send(page)
  })
  app.get('/graphiql/explorer.js', async function getGraphqlExplorerScript(_request, reply) {
    return reply.type('text/javascript; charset=utf-8').send(script)
  })
  app.get('/graphiql/explorer.css', async function getGraphqlExplorerStyle(_request, reply) {
    return reply.type('text/css; charset=utf-8').send(style)
  })
  app.get('/graphiql/introspection.json', async function getGraphqlExplorerSchema() {
    introspection ??= introspectionFromSchema(buildSchema(sdl))
    return { data: introspection }
  })
  app.get<{ Params: { file: string } }>('/graphiql/assets/:file', async function getGraphqlExplorerAsset(request, reply) {
    const file = Object.hasOwn(assets, request.params.file) ? assets[request.params.file] : undefined
    if (!file) throw new AppError('ROUTE_NOT_FOUND', `There is no explorer asset ${request.params.file}`)
    // Versioned with the installed package: a day's caching is safe and spares repeat downloads.
    return reply.type(file.type).header('cache-control', 'public, max-age=86400').send(createReadStream(file.path))
  })
}
