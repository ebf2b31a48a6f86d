// A request's logger (logging.ts lazyChildLogger): pino's child is made only when a line is logged at an enabled level,
// and what is logged is what the child would have logged.
import pino from 'pino'
import t from 'tap'
import { lazyChildLogger } from '../src/logging.ts'
import { capturedLog } from './helpers/captured-log.ts'

function parentAt(level: string) {
  const { lines, logStream } = capturedLog()
  const parent = pino({ level }, logStream)
  let children = 0
  const child = parent.child.bind(parent)
  parent.child = ((...args: Parameters<typeof child>) => (children++, child(...args))) as typeof parent.child
  return { parent, lines, made: () => children }
}
const flushed = () => new Promise((resolve) => setImmediate(resolve))

t.test('when nothing is logged at an enabled level, then no child logger is made', async (t) => {
  const { parent, lines, made } = parentAt('warn')
  const log = lazyChildLogger(parent as never, { reqId: 'r-1' }, {}) as pino.Logger
  log.info('incoming request')
  log.debug('details')
  t.equal(made(), 0, 'no child for lines below the level')
  t.notOk(log.isLevelEnabled('info'))
  t.equal(log.level, 'warn')
  log.warn({ code: 'X' }, 'something to see')
  await flushed()
  t.equal(made(), 1, 'the child is made for the first line that is written')
  t.equal(lines.length, 1)
  t.match(JSON.parse(lines[0]!), { reqId: 'r-1', code: 'X', msg: 'something to see', level: 40 }, 'with the request’s bindings')
  log.error('and again')
  t.equal(made(), 1, 'one child per request')
})

t.test('when a route sets its own level, then its requests log at that level, not the server’s', async (t) => {
  const { parent, lines, made } = parentAt('info')
  const quiet = lazyChildLogger(parent as never, { reqId: 'r-2' }, { level: 'warn' }) as pino.Logger
  quiet.info('incoming request')
  t.equal(made(), 0, 'an anonymous submission route (logLevel warn) logs no request line')
  t.equal(quiet.level, 'warn')
  const chatty = lazyChildLogger(parentAt('error').parent as never, { reqId: 'r-3' }, { level: 'debug' }) as pino.Logger
  t.ok(chatty.isLevelEnabled('debug'), 'a route may log more than the server')
  quiet.warn('seen')
  await flushed()
  t.match(JSON.parse(lines[0]!), { reqId: 'r-2', msg: 'seen' })
  t.equal(lines.length, 1)
})
