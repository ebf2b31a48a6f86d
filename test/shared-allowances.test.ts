// The shared rate-limit allowances on their own: exact across instances near the limit, and counted per instance
// (open, bounded by instances × limit) while the database does not answer.
import t from 'tap'
import type { Logger } from '../src/context.ts'
import type { Database } from '../src/db/client.ts'
import { createSharedAllowances, type Allowance } from '../src/modules/rate-limits/shared-allowances.ts'
import { fileDatabase } from './helpers/database.ts'

const same = (key: string) => `h:${key}`
/** Windows of an hour: a run does not straddle one (windows are the database clock's).  */
const HOUR = 3_600_000
const allowed = async (a: Allowance | Promise<Allowance>, max: number) => (await a).current <= max

t.test('when three instances take one key in turn, then exactly the limit is allowed in the window and the fourth instance agrees', async (t) => {
  const database = await fileDatabase()
  const instances = [0, 1, 2].map(() => createSharedAllowances({ database, hash: same }))
  const results: boolean[] = []
  for (let i = 0; i < 40; i++) results.push(await allowed(instances[i % 3]!.take('t1', 'caller', 30, HOUR), 30))
  t.equal(results.filter(Boolean).length, 30, '30 allowed of 40')
  t.same(results.slice(30), Array(10).fill(false), 'and every one after the limit refused')
  const late = createSharedAllowances({ database, hash: same })
  t.notOk(await allowed(late.take('t1', 'caller', 30, HOUR), 30), 'an instance joining later refuses too')
  t.ok(await allowed(late.take('t1', 'another', 30, HOUR), 30), 'another key has its own allowance')
  const takes = instances.reduce((n, i) => n + i.stats.takes, 0)
  t.ok(takes < 40, `${takes} statements for 40 requests`)
})

t.test('when concurrent requests of one key arrive together, then they share one take', async (t) => {
  const database = await fileDatabase()
  const one = createSharedAllowances({ database, hash: same })
  const results = await Promise.all(Array.from({ length: 20 }, () => one.take('t2', 'burst', 1000, HOUR)))
  t.ok(results.every((r) => r.current <= 1000))
  t.equal(one.stats.takes, 1, 'one statement for the burst')
})

t.test('when the database does not answer, then each instance counts alone for a while (fails open up to its own limit) and logs it once', async (t) => {
  const warnings: string[] = []
  const log = { warn: (_o: unknown, m?: string) => void warnings.push(String(m)), fatal() {}, error() {}, info() {}, debug() {}, trace() {} } as unknown as Logger
  const down = {
    background: {
      execute: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
      },
    },
  } as unknown as Database
  const [a, b] = [createSharedAllowances({ database: down, hash: same, log }), createSharedAllowances({ database: down, hash: same, log })]
  const results: boolean[] = []
  for (let i = 0; i < 8; i++) results.push(await allowed((i % 2 ? a : b).take('t3', 'caller', 3, 60_000), 3))
  t.same(results, [true, true, true, true, true, true, false, false], 'each instance allows the limit on its own')
  t.equal(a.stats.takes + b.stats.takes, 2, 'one failed statement per instance, then none while counting alone')
  t.equal(warnings.length, 2, 'one warning per instance')
})
