// Issue 18 item 8: event topics come from the agency's vocabulary; feedback tied to an event takes its area and is not older than it.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { TEST_NOW } from './helpers/clock.ts'
import { eventBody } from './helpers/fixtures.ts'

const json = (res: { body: string }) => JSON.parse(res.body)
const at = (minutes: number) => new Date(Date.parse(TEST_NOW) + minutes * 60_000).toISOString()

t.test('when an event names topics, then unknown and retired codes are refused with a problem naming them', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const admin = await bearer({ role: 'admin' })

  const made = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ topics: ['community_safety', 'made_up_topic', 'day_to_day_interactions'] }) })
  t.equal(made.statusCode, 400)
  t.equal(json(made).code, 'VALIDATION_FAILED')
  t.match(json(made).errors, [{ field: 'topics', message: /made_up_topic, day_to_day_interactions are not topics/ }], 'both unknown codes named')

  const good = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ topics: ['community_safety', 'everyday_interactions'] }) })
  t.equal(good.statusCode, 201, 'vocabulary codes are accepted')
  const event = json(good)

  const patch = await app.inject({ method: 'PATCH', url: `/v1/events/${event.id}`, headers: { ...staff, 'if-match': `"${event.version}"` }, payload: { topics: ['made_up_topic'] } })
  t.equal(patch.statusCode, 400, 'an update is checked too')
  t.match(json(patch).errors, [{ field: 'topics', message: /made_up_topic is not a topic/ }])

  // An agency's own topic, once retired, no longer goes on new events.
  t.equal((await app.inject({ method: 'POST', url: '/v1/topics', headers: admin, payload: { code: 'bike_theft', label: { en: 'Bike theft' } } })).statusCode, 201)
  const withOwn = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ topics: ['bike_theft'] }) })
  t.equal(withOwn.statusCode, 201, "the agency's own topic is in its vocabulary")
  t.equal((await app.inject({ method: 'POST', url: '/v1/topics/bike_theft/retire', headers: admin })).statusCode, 200)
  const retired = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ topics: ['bike_theft'] }) })
  t.equal(retired.statusCode, 400)
  t.match(json(retired).errors, [{ field: 'topics', message: /bike_theft was retired/ }])
  const keep = json(withOwn)
  const kept = await app.inject({ method: 'PATCH', url: `/v1/events/${keep.id}`, headers: { ...staff, 'if-match': `"${keep.version}"` }, payload: { topics: ['bike_theft', 'policy'] } })
  t.equal(kept.statusCode, 200, 'an event keeps a topic retired after it was given')

  const filtered = json(await app.inject({ method: 'GET', url: '/v1/events?topic=everyday_interactions' })).data
  t.same(filtered.map((e: { id: string }) => e.id), [event.id], 'a topic filter finds the event')
})

t.test('when feedback is tied to an event, then it takes the event’s area and cannot predate it', async (t) => {
  const { app, fixtures } = await build(t)
  const staff = await bearer()
  const event = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ areaId: fixtures.areas.north.id, startsAt: at(2), endsAt: at(60) }) }))
  const feedback = (extra: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/v1/feedback', headers: staff, payload: { body: 'Good meeting.', language: 'en', topic: 'community_safety', eventId: event.id, ...extra } })

  const early = await feedback({ receivedAt: at(-60) })
  t.equal(early.statusCode, 400, 'receivedAt before the meeting is refused')
  t.match(json(early).errors, [{ field: 'receivedAt', message: /before the event/ }])

  const given = await feedback({ receivedAt: at(4) })
  t.equal(given.statusCode, 201)
  const read = json(await app.inject({ method: 'GET', url: `/v1/feedback/${json(given).id}`, headers: staff }))
  t.equal(read.areaId, fixtures.areas.north.id, 'the event’s area')

  const own = await feedback({ receivedAt: at(4), areaId: fixtures.areas.south.id })
  t.equal(json(own).areaId, fixtures.areas.south.id, 'an area given explicitly stays')
})

t.test('when a series names topics, then codes outside the vocabulary are refused on create and on change', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const body = (topics: string[]) => ({
    title: { en: 'Listening session' },
    kind: 'listening_session',
    format: 'virtual',
    online: { joinUrl: 'https://meet.example.org/listen' },
    topics,
    recurrence: { rule: 'FREQ=WEEKLY;COUNT=2', start: at(7 * 24 * 60).slice(0, 16), durationMinutes: 60 },
  })
  const refused = await app.inject({ method: 'POST', url: '/v1/series', headers: staff, payload: body(['community_safety', 'made_up_topic']) })
  t.equal(refused.statusCode, 400, refused.body)
  t.match(json(refused).errors, [{ field: 'topics', message: /made_up_topic is not a topic/ }])
  const made = await app.inject({ method: 'POST', url: '/v1/series', headers: staff, payload: body(['community_safety']) })
  t.equal(made.statusCode, 201, made.body)
  const series = json(made)
  const changed = await app.inject({ method: 'PATCH', url: `/v1/series/${series.id}`, headers: { ...staff, 'if-match': `"${series.version}"` }, payload: { topics: ['made_up_topic'] } })
  t.equal(changed.statusCode, 400, 'a change is checked too')
  t.match(json(changed).errors, [{ field: 'topics', message: /made_up_topic is not a topic/ }])
})
