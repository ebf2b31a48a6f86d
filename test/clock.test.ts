// Time is an input: an app built with a clock serves every request at that clock's time, whatever the calendar says.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

// Far from TEST_NOW and from any wall clock these tests run under, so only the app's clock can explain the answers.
const APP_NOW = new Date('2031-05-05T12:00:00Z')
const APP_DAY = APP_NOW.toISOString().slice(0, 10)
/** An hour-long meeting `days` after the app's now (negative: before it). */
const meetingAt = (days: number) => {
  const starts = APP_NOW.getTime() + days * 86_400_000
  return { startsAt: new Date(starts).toISOString(), endsAt: new Date(starts + 3_600_000).toISOString() }
}

t.test('when the app runs at a given time, then writes are stamped with it and the rules judge "now" by it', async (t) => {
  const { app } = await build(t, { now: APP_NOW })
  const staff = await bearer({ now: APP_NOW })
  const json = (res: { body: string }) => JSON.parse(res.body)

  // A year before the app's time is the past: the event can be completed; a year after is the future: it cannot.
  const past = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody(meetingAt(-338)) }))
  t.equal(past.createdAt.slice(0, 10), APP_DAY, 'created at the app clock')
  const completed = await app.inject({ method: 'POST', url: `/v1/events/${past.id}/complete`, headers: { ...staff, 'if-match': '"1"' } })
  t.equal(completed.statusCode, 200, 'an event that started before the app clock can be completed')
  t.equal(json(completed).updatedAt.slice(0, 10), APP_DAY, 'updated at the app clock')

  const future = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody(meetingAt(393)) }))
  const early = await app.inject({ method: 'POST', url: `/v1/events/${future.id}/complete`, headers: { ...staff, 'if-match': '"1"' } })
  t.equal(early.statusCode, 409, 'an event after the app clock cannot be completed yet')
})

t.test('when a token is judged, then it is at the app clock: valid then is accepted, expired then is refused', async (t) => {
  const { app } = await build(t, { now: APP_NOW })
  const ask = async (headers: Record<string, string>) => (await app.inject({ method: 'GET', url: '/v1/participants', headers })).statusCode
  t.equal(await ask(await bearer({ now: APP_NOW })), 200, 'issued at the app clock')
  t.equal(await ask(await bearer({ now: new Date(APP_NOW.getTime() - 3_600_000) })), 401, 'expired an hour before the app clock')
  t.equal(await ask(await bearer()), 401, 'issued at TEST_NOW, long expired by the app clock')
})
