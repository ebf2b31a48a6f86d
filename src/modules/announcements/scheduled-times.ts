// A timer that notes, every few seconds, the announcements whose publish or expiry time has come (the outbox gets a row
// for each, once, whichever instance's sweep takes it), so followers of the feed hear of changes no write made.
import type { Clock } from '../../clock.ts'
import type { Logger } from '../../context.ts'
import type { AnnouncementsService } from './announcements-service.ts'

/** `sweeps`: other work time alone makes due (contact invitations whose window closed), run on the same timer. */
export function createScheduledTimes({ announcements, clock, log, sweeps = [] }: { announcements: AnnouncementsService; clock: Clock; log: Logger; sweeps?: (() => Promise<unknown>)[] }) {
  let timer: NodeJS.Timeout | undefined
  let running = false

  /** One sweep at the clock's now; how many announcements it noted. */
  async function runOnce(): Promise<number> {
    if (running) return 0
    running = true
    try {
      const noted = await announcements.noteScheduledTimes(clock.now())
      for (const sweep of sweeps) await sweep()
      return noted
    } finally {
      running = false
    }
  }

  return {
    runOnce,
    start(everyMs: number) {
      if (timer || everyMs <= 0) return
      // A database outage is a warning: the next sweep notes whatever came due meanwhile.
      timer = setInterval(() => void runOnce().catch((err) => log.warn({ err }, 'scheduled times not noted; retried on the next sweep')), everyMs)
      timer.unref()
    },
    stop() {
      if (timer) clearInterval(timer)
      timer = undefined
    },
  }
}
export type ScheduledTimes = ReturnType<typeof createScheduledTimes>
