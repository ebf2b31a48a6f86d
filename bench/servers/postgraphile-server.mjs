// PostGraphile 5 over the benchmark database, served with grafserv on node:http. Runs under the Node 22
// from bench/.peers (copied there by bench/run.ts so its imports resolve from bench/.peers/node_modules).
// Env: DATABASE_URL. Prints "listening PORT" on stdout.
import { createServer } from 'node:http'
import { postgraphile } from 'postgraphile'
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber'
import { makePgService } from 'postgraphile/adaptors/pg'
import { grafserv } from 'postgraphile/grafserv/node'
import { jsonPgSmartTags } from 'postgraphile/utils'

// PostGraphile 5 offers conditions and orderings only on indexed columns. The loop scenarios ask for what the public
// sees (published feedback and report-backs, none deleted) in the API's order, so these columns get conditions and
// orderings through smart tags (schema metadata only: the database is not changed, and no other field is affected).
const loopTags = { behavior: ['+filterBy', '+orderBy'] }
const LoopConditionsPlugin = jsonPgSmartTags({
  version: 1,
  config: {
    class: {
      feedback_items: { attribute: { visibility: { tags: loopTags }, deleted_at: { tags: loopTags }, received_at: { tags: loopTags } } },
      report_backs: { attribute: { publication: { tags: loopTags }, deleted_at: { tags: loopTags }, relayed_at: { tags: loopTags } } },
    },
  },
})

const preset = {
  extends: [PostGraphileAmberPreset],
  plugins: [LoopConditionsPlugin],
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
