// Issue 18 item 4: an occurrence keeps its identity (UID, RECURRENCE-ID) and its hand edits through edits of its series,
// and no iCalendar SEQUENCE ever falls. Feeds are read back by two parsers, ical.js and node-ical.
import fc from 'fast-check'
import ICAL from 'ical.js'
import ical, { type VEvent } from 'node-ical'
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { TEST_NOW } from './helpers/clock.ts'
import { assertProperty } from './helpers/property.ts'

const json = (res: { body: string }) => JSON.parse(res.body)
const DAY = 86_400_000
const now = Date.parse(TEST_NOW)
/** A local date `days` after the test's now, as YYYY-MM-DD. */
const dayAfterNow = (days: number) => new Date(now + days * DAY).toISOString().slice(0, 10)
const windowFrom = new Date(now - 30 * DAY).toISOString()
const windowTo = new Date(now + 800 * DAY).toISOString()

type Occ = { id: string; startsAt: string; recurrenceId: string; status: string; sequence: number; version: number; statusReason: string | null; venue: { name?: string } | null }

/** One feed entry per identity: the master (`uid|`) and each occurrence (`uid|RECURRENCE-ID instant`). */
type FeedEntry = { sequence: number; status: string }

/** The feed as ical.js reads it: entries by identity, and the starts its recurrence engine expands to. */
function readIcalJs(text: string) {
  const cal = new ICAL.Component(ICAL.parse(text) as unknown as unknown[])
  for (const tz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz)
  const vevents = cal.getAllSubcomponents('vevent')
  const entries = new Map<string, FeedEntry>()
  for (const v of vevents) {
    const rid = v.getFirstPropertyValue('recurrence-id') as InstanceType<typeof ICAL.Time> | null
    entries.set(`${v.getFirstPropertyValue('uid')}|${rid ? rid.toJSDate().getTime() : ''}`, { sequence: Number(v.getFirstPropertyValue('sequence')), status: String(v.getFirstPropertyValue('status')) })
  }
  const starts: number[] = []
  const masters = vevents.filter((v) => !v.hasProperty('recurrence-id'))
  for (const m of masters) {
    const master = new ICAL.Event(m)
    for (const o of vevents.filter((v) => v.hasProperty('recurrence-id') && v.getFirstPropertyValue('uid') === master.uid)) master.relateException(new ICAL.Event(o))
    if (!master.isRecurring()) {
      starts.push(master.startDate.toJSDate().getTime())
      continue
    }
    const it = master.iterator()
    for (let next = it.next(); next && starts.length < 500; next = it.next()) starts.push(master.getOccurrenceDetails(next).startDate.toJSDate().getTime())
  }
  return { entries, starts: starts.sort((a, b) => a - b) }
}

/** The same feed as node-ical reads it. */
function readNodeIcal(text: string) {
  const entries = new Map<string, FeedEntry>()
  const starts: number[] = []
  for (const v of Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c?.type === 'VEVENT')) {
    entries.set(`${v.uid}|`, { sequence: Number(v.sequence), status: String(v.status) })
    for (const o of Object.values(v.recurrences ?? {}))
      entries.set(`${v.uid}|${new Date(o.recurrenceid as unknown as Date).getTime()}`, { sequence: Number(o.sequence), status: String(o.status) })
    for (const i of ical.expandRecurringEvent(v, { from: new Date(windowFrom), to: new Date(windowTo) })) starts.push(i.start.getTime())
  }
  return { entries, starts: starts.sort((a, b) => a - b) }
}

t.test('when a series with a hand-cancelled meeting moves from 18:30 to 18:00, then nothing is re-created, the cancellation stays and no SEQUENCE falls', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const start = `${dayAfterNow(40)}T18:30`
  const created = await app.inject({
    method: 'POST', url: '/v1/series', headers: staff,
    payload: { title: { en: 'Beat meeting' }, kind: 'listening_session', format: 'in_person', venue: { name: 'Library' }, recurrence: { rule: 'FREQ=WEEKLY;COUNT=6', start, durationMinutes: 60 } },
  })
  t.equal(created.statusCode, 201, created.body)
  const series = json(created)
  const occurrences = async (): Promise<Occ[]> => json(await app.inject({ method: 'GET', url: `/v1/series/${series.id}/occurrences?limit=100` })).data
  const feed = async () => (await app.inject({ method: 'GET', url: `/v1/events.ics?seriesId=${series.id}&from=${windowFrom}&to=${windowTo}` })).body
  const before = await occurrences()
  t.equal(before.length, 6)
  const third = before[2]!
  t.equal((await app.inject({ method: 'POST', url: `/v1/events/${third.id}/cancel`, headers: { ...staff, 'if-match': `"${third.version}"` }, payload: { reason: 'Hall booked' } })).statusCode, 200)
  const feedBefore = readIcalJs(await feed())

  const moved = await app.inject({
    method: 'PATCH', url: `/v1/series/${series.id}`, headers: { ...staff, 'if-match': '"1"' },
    payload: { recurrence: { rule: 'FREQ=WEEKLY;COUNT=6', start: start.replace('18:30', '18:00'), durationMinutes: 60 } },
  })
  t.equal(moved.statusCode, 200, moved.body)
  const after = await occurrences()
  t.same(after.map((e) => e.id), before.map((e) => e.id), 'the same six occurrences, none re-created')
  t.same(after.map((e) => e.recurrenceId), before.map((e) => e.recurrenceId), 'each keeps its RECURRENCE-ID (its original start)')
  const cancelled = after.find((e) => e.id === third.id)!
  t.equal(cancelled.status, 'cancelled', 'the hand-cancelled meeting does not come back')
  t.equal(cancelled.statusReason, 'Hall booked')
  for (const e of after.filter((e) => e.id !== third.id)) {
    t.equal(e.status, 'scheduled')
    t.match(e.startsAt, /T18:00:00/, 'the others moved to 18:00')
  }

  const text = await feed()
  const [a, b] = [readIcalJs(text), readNodeIcal(text)]
  t.same([...a.entries.keys()].sort(), [...b.entries.keys()].sort(), 'both parsers see the same identities')
  for (const [key, was] of feedBefore.entries) {
    t.ok(a.entries.has(key), `${key} is still in the feed`)
    t.ok(a.entries.get(key)!.sequence >= was.sequence, `SEQUENCE of ${key} did not fall`)
  }
  t.ok(a.entries.get(`${series.id}|`)!.sequence >= 1, 'the master SEQUENCE rose with the series edit')
  t.equal(a.entries.get(`${series.id}|${Date.parse(third.recurrenceId)}`)!.status, 'CANCELLED')
  const apiStarts = after.map((e) => Date.parse(e.startsAt)).sort((x, y) => x - y)
  t.same(a.starts, apiStarts, 'ical.js expands to the starts the API lists')
  t.same(b.starts, apiStarts, 'node-ical expands to the same starts')
  t.match(text, /\r\nRRULE:FREQ=WEEKLY;UNTIL=/, 'the master keeps its RRULE, at the identities\' time of day')
  t.match(text, /\r\nRECURRENCE-ID;TZID=America\/New_York:\d{8}T183000\r\n/, 'and each moved meeting overrides it')
})

t.test('when a series is edited at random after random hand edits, then identities, SEQUENCEs and hand cancellations hold in both parsers', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const times = ['18:30', '18:00', '09:15', '19:00']

  const seriesArb = fc.record({
    weekly: fc.boolean(),
    count: fc.integer({ min: 2, max: 6 }),
    offsetDays: fc.integer({ min: 10, max: 120 }),
    time: fc.constantFrom(...times),
  })
  const stepArb = fc.oneof(
    fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('venue' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('reschedule' as const), pick: fc.nat(), minutes: fc.integer({ min: -120, max: 120 }) }),
    fc.record({ kind: fc.constant('seriesTime' as const), time: fc.constantFrom(...times) }),
    fc.record({ kind: fc.constant('seriesCount' as const), count: fc.integer({ min: 1, max: 7 }) }),
    fc.record({ kind: fc.constant('seriesTitle' as const), title: fc.constantFrom('Coffee with a cop', 'Beat meeting', 'Listening session') }),
    fc.record({ kind: fc.constant('seriesException' as const), pick: fc.nat() }),
  )
  let runs = 0

  await assertProperty(
    fc.asyncProperty(seriesArb, fc.array(stepArb, { minLength: 1, maxLength: 5 }), async (shape, steps) => {
      runs++
      const rule = (count: number) => `FREQ=${shape.weekly ? 'WEEKLY' : 'MONTHLY'};COUNT=${count}`
      const date = dayAfterNow(shape.offsetDays)
      let recurrence = { rule: rule(shape.count), start: `${date}T${shape.time}`, durationMinutes: 60, exceptions: [] as string[] }
      const created = await app.inject({
        method: 'POST', url: '/v1/series', headers: staff,
        payload: { title: { en: 'Beat meeting' }, kind: 'listening_session', format: 'in_person', venue: { name: 'Library' }, recurrence },
      })
      if (created.statusCode !== 201) throw new Error(created.body)
      const series = json(created)
      let version = 1
      const occurrences = async (): Promise<Occ[]> => json(await app.inject({ method: 'GET', url: `/v1/series/${series.id}/occurrences?limit=100` })).data
      const identities = new Map<string, string>() // event id → RECURRENCE-ID
      const seen = new Map<string, number>() // feed identity → highest SEQUENCE seen
      const handCancelled = new Set<string>()
      const handEdited = new Map<string, string>() // event id → its time and place as staff last left it
      const handShape = (e: Occ) => JSON.stringify([e.startsAt, e.venue?.name ?? null])

      const check = async (label: string) => {
        const list = await occurrences()
        for (const e of list) {
          const was = identities.get(e.id)
          if (was !== undefined && was !== e.recurrenceId) throw new Error(`${label}: ${e.id} changed RECURRENCE-ID`)
          identities.set(e.id, e.recurrenceId)
        }
        const ids = new Set(list.map((e) => e.id))
        for (const id of identities.keys()) if (!ids.has(id)) throw new Error(`${label}: occurrence ${id} disappeared`)
        for (const id of handCancelled) if (list.find((e) => e.id === id)!.status !== 'cancelled') throw new Error(`${label}: hand cancellation of ${id} undone`)
        for (const [id, was] of handEdited) if (handShape(list.find((e) => e.id === id)!) !== was) throw new Error(`${label}: the hand-edited time or place of ${id} changed`)
        const text = (await app.inject({ method: 'GET', url: `/v1/events.ics?seriesId=${series.id}&from=${windowFrom}&to=${windowTo}` })).body
        const [a, b] = [readIcalJs(text), readNodeIcal(text)]
        const keys = [...a.entries.keys()].sort()
        if (JSON.stringify(keys) !== JSON.stringify([...b.entries.keys()].sort())) throw new Error(`${label}: parsers disagree on identities`)
        for (const key of keys) {
          if (!key.startsWith(`${series.id}|`)) throw new Error(`${label}: unexpected UID in ${key}`)
          if (a.entries.get(key)!.sequence !== b.entries.get(key)!.sequence) throw new Error(`${label}: parsers disagree on SEQUENCE of ${key}`)
        }
        for (const [key, sequence] of seen) {
          const entry = a.entries.get(key)
          // An identity that once had its own VEVENT keeps it (an override is never folded back while it differs).
          if (entry && entry.sequence < sequence) throw new Error(`${label}: SEQUENCE of ${key} fell from ${sequence} to ${entry.sequence}`)
        }
        if (!a.entries.has(`${series.id}|`)) throw new Error(`${label}: no master`)
        for (const [key, e] of a.entries) seen.set(key, Math.max(seen.get(key) ?? 0, e.sequence))
        for (const id of handCancelled) {
          const key = `${series.id}|${Date.parse(identities.get(id)!)}`
          const [sa, sb] = [a, b].map((p) => (p.entries.get(key) ?? p.entries.get(`${series.id}|`))?.status)
          if (sa !== 'CANCELLED' || sb !== 'CANCELLED') throw new Error(`${label}: ${key} is not CANCELLED in the feed`)
        }
        const apiStarts = list.map((e) => Date.parse(e.startsAt)).sort((x, y) => x - y)
        if (JSON.stringify(a.starts) !== JSON.stringify(apiStarts)) throw new Error(`${label}: ical.js expands to other starts`)
        // node-ical does not expand RDATE, which a master needs only when its identities fit no rule.
        if (!/\r\nRDATE/.test(text) && JSON.stringify(b.starts) !== JSON.stringify(apiStarts)) throw new Error(`${label}: node-ical expands to other starts`)
      }
      await check('created')

      for (const [i, step] of steps.entries()) {
        const label = `step ${i} ${JSON.stringify(step)}`
        const list = await occurrences()
        const live = list.filter((e) => e.status === 'scheduled')
        const pick = 'pick' in step ? live[step.pick % Math.max(live.length, 1)] : undefined
        const patchSeries = async (payload: Record<string, unknown>) => {
          const res = await app.inject({ method: 'PATCH', url: `/v1/series/${series.id}`, headers: { ...staff, 'if-match': `"${version}"` }, payload })
          if (res.statusCode === 200) version++
          // A rule that yields nothing is refused; the series stays as it was.
          else if (res.statusCode !== 400) throw new Error(`${label}: ${res.statusCode} ${res.body}`)
          if (res.statusCode === 200 && payload.recurrence) recurrence = payload.recurrence as typeof recurrence
        }
        if (step.kind === 'cancel' && pick) {
          const res = await app.inject({ method: 'POST', url: `/v1/events/${pick.id}/cancel`, headers: { ...staff, 'if-match': `"${pick.version}"` }, payload: { reason: 'By hand' } })
          if (res.statusCode !== 200) throw new Error(`${label}: ${res.body}`)
          handCancelled.add(pick.id)
          handEdited.set(pick.id, handShape(json(res)))
        } else if (step.kind === 'venue' && pick) {
          const res = await app.inject({ method: 'PATCH', url: `/v1/events/${pick.id}`, headers: { ...staff, 'if-match': `"${pick.version}"` }, payload: { venue: { name: 'Fire station' } } })
          if (res.statusCode !== 200) throw new Error(`${label}: ${res.body}`)
          handEdited.set(pick.id, handShape(json(res)))
        } else if (step.kind === 'reschedule' && pick) {
          const startsAt = new Date(Date.parse(pick.startsAt) + step.minutes * 60_000)
          const res = await app.inject({
            method: 'POST', url: `/v1/events/${pick.id}/reschedule`, headers: { ...staff, 'if-match': `"${pick.version}"` },
            payload: { startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + 3_600_000).toISOString() },
          })
          if (res.statusCode !== 200) throw new Error(`${label}: ${res.body}`)
          handEdited.set(pick.id, handShape(json(res)))
        } else if (step.kind === 'seriesTime') {
          await patchSeries({ recurrence: { ...recurrence, start: `${date}T${step.time}`, exceptions: recurrence.exceptions.map((x) => `${x.slice(0, 10)}T${step.time}`) } })
        } else if (step.kind === 'seriesCount') {
          await patchSeries({ recurrence: { ...recurrence, rule: rule(step.count) } })
        } else if (step.kind === 'seriesTitle') {
          await patchSeries({ title: { en: step.title } })
        } else if (step.kind === 'seriesException' && pick) {
          // The occurrence's rule date at the series' current time is excluded.
          const local = `${pick.recurrenceId.slice(0, 10)}T${recurrence.start.slice(11)}`
          await patchSeries({ recurrence: { ...recurrence, exceptions: [...recurrence.exceptions, local] } })
        }
        await check(label)
      }
    }),
    { numRuns: 20, seed: 1818 },
  )
  t.equal(runs, 20, 'fast-check ran 20 random series, each with 1 to 5 random hand and series edits; hand edits (time, place, cancellation) survived each')
})
