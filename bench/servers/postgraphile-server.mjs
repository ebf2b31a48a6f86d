// PostGraphile 5 over the benchmark database, served with grafserv on node:http. Runs under the Node 22
// from bench/.peers (copied there by bench/run.ts so its imports resolve from bench/.peers/node_modules).
// Env: DATABASE_URL. Prints "listening PORT" on stdout.
import { createServer } from 'node:http'
import { postgraphile } from 'postgraphile'
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber'
import { makePgService } from 'postgraphile/adaptors/pg'
import { grafserv } from 'postgraphile/grafserv/node'

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ['public'], poolConfig: { max: 10 } })],
  grafserv: { graphiql: false, watch: false },
  grafast: { explain: false },
}
const pgl = postgraphile(preset)
const serv = pgl.createServ(grafserv)
const server = createServer()
server.on('error', (e) => { console.error(e); process.exit(1) })
serv.addTo(server).catch((e) => { console.error(e); process.exit(1) })
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`)
})
const stop = async () => { server.close(); await pgl.release(); process.exit(0) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
