// Runs the delivery work on pg-boss, a PostgreSQL-backed queue every instance shares (on PGlite, the same code in one
// process). Both queues keep at most one job waiting per key (policy short: one for dispatch, one per subscription for
// sends), so polls from many instances do not pile up. Who may run at once is not left to the queue: a job left
// "active" by a database restart would hold a stricter policy shut until it expired. The dispatcher serializes on its
// position row, and a sender holds its subscription's lease (webhook-delivery.ts).
import type { PgBoss } from 'pg-boss'
import type { Logger } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import type { Repositories } from '../repositories.ts'
import type { WebhookDelivery } from './webhook-delivery.ts'

const DISPATCH = 'webhooks-dispatch'
const SEND = 'webhooks-send'
/** pg-boss's own tables live apart from the app's. */
const SCHEMA = 'pgboss'

export type WorkerSettings = { pollMs: number; sendConcurrency: number }

export function createWebhookWorker({ database, repositories, delivery, settings, log }: { database: Database; repositories: Repositories; delivery: WebhookDelivery; settings: WorkerSettings; log: Logger }) {
  let boss: PgBoss | undefined
  let starting: Promise<PgBoss> | undefined
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  let ticking = false

  async function startBoss(): Promise<PgBoss> {
    // Loaded when delivery starts: a process that never delivers (a CLI, most tests) does not load the queue library.
    const { fromPglite, PgBoss } = await import('pg-boss')
    const q = database.queue
    const b = q.kind === 'pglite'
      ? new PgBoss({ db: fromPglite(q.client), backend: 'pglite', schema: SCHEMA, schedule: false, useListenNotify: true })
      : new PgBoss({ connectionString: q.url, schema: SCHEMA, max: 3, application_name: 'community-engagement-api (webhooks)', schedule: false, useListenNotify: true })
    // An outage of the database is a warning: pg-boss reconnects, and the work it missed is picked up from the tables.
    b.on('error', (err) => log.warn({ err }, 'webhook queue error'))
    await b.start()
    // A job on either queue wakes a worker at once, on every instance (LISTEN/NOTIFY); polling stays as the backstop.
    const queue = { retryLimit: 0, expireInSeconds: 600, notify: true }
    for (const name of [DISPATCH, SEND]) {
      await b.createQueue(name, { policy: 'short', ...queue })
      await b.updateQueue(name, queue)
    }
    const polling = { pollingIntervalSeconds: Math.max(0.5, settings.pollMs / 1000), notifyPollingIntervalSeconds: Math.max(0.5, (5 * settings.pollMs) / 1000) }
    await b.work(DISPATCH, polling, async () => {
      for (const subscriptionId of await delivery.dispatch()) await b.send(SEND, { subscriptionId }, { singletonKey: subscriptionId })
    })
    await b.work<{ subscriptionId: string }>(SEND, { ...polling, localConcurrency: settings.sendConcurrency }, async ([job]) => {
      if (job) await delivery.sendFor(job.data.subscriptionId)
    })
    boss = b
    return b
  }

  /** Starts the queue once a subscription exists (an instance without webhooks never pays for it), then asks for a dispatch. */
  async function tick() {
    if (stopped || ticking) return
    ticking = true
    try {
      if (!boss) {
        if (!(await repositories.webhooks.anyActive())) return
        starting ??= startBoss()
        await starting
      }
      if (!stopped) await boss!.send(DISPATCH, {}, { singletonKey: 'dispatch' })
    } catch (err) {
      starting = undefined
      log.warn({ err }, 'webhook dispatch not queued; retried on the next poll')
    } finally {
      ticking = false
    }
  }

  return {
    start() {
      stopped = false
      timer = setInterval(() => void tick(), settings.pollMs)
      timer.unref()
      void tick()
    },
    /** Something changed that deliveries wait on (a new subscription, a replay): look now rather than at the next poll. */
    wake() {
      if (timer) setImmediate(() => void tick())
    },
    async stop() {
      stopped = true
      if (timer) clearInterval(timer)
      timer = undefined
      const b = boss ?? (await starting?.catch(() => undefined))
      boss = undefined
      // In-flight sends get a few seconds (within the shutdown grace); one cut short is sent again later under the same webhook-id.
      await b?.stop({ graceful: true, timeout: 5_000 })
    },
  }
}
export type WebhookWorker = ReturnType<typeof createWebhookWorker>
