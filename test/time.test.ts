// toOffsetIso caches offsets per quarter hour; it must agree with Temporal at every instant, transitions included.
import t from 'tap'
import { Temporal } from 'temporal-polyfill'
import { toOffsetIso } from '../src/time.ts'

const zones = ['America/Chicago', 'Europe/Amsterdam', 'America/St_Johns', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'Europe/London', 'America/Sao_Paulo', 'UTC']
const reference = (ms: number, zone: string) =>
  Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).toString({ timeZoneName: 'never', smallestUnit: 'second' })

t.test('when an instant is shown in a zone, then it matches Temporal, on both sides of every transition from 1900 to 2040', async (t) => {
  let checked = 0
  const differing: string[] = []
  for (const zone of zones) {
    let at = Temporal.Instant.from('1900-01-01T00:00:00Z').toZonedDateTimeISO(zone)
    for (;;) {
      const next = at.getTimeZoneTransition('next')
      if (!next || next.epochMilliseconds > Date.UTC(2040, 0, 1)) break
      for (const delta of [-60_001, -1, 0, 1, 999, 60_000, 3_600_000]) {
        const ms = next.epochMilliseconds + delta
        checked++
        if (toOffsetIso(new Date(ms), zone) !== reference(ms, zone)) differing.push(`${zone} ${ms}`)
      }
      at = next
    }
  }
  t.ok(checked > 1000, `${checked} instants checked`)
  t.same(differing.slice(0, 5), [], 'none differ')
})
