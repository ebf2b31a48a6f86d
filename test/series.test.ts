// Series: an RFC 5545 rule expanded in the agency's zone, rotating between places, with exceptions and overrides.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'

const json = (res: { body: string }) => JSON.parse(res.body)

const seriesBody = (areas: { north: string; south: string }, extra: Record<string, unknown> = {}) => ({
  title: { en: 'Neighbourhood listening session', es: 'Sesión para escuchar al vecindario' },
  kind: 'listening_session',
  format: 'in_person',
  languages: ['en', 'es'],
  accommodations: ['step_free_access', 'childcare'],
  // Every meeting is after TEST_NOW, so all are ahead and a change to the series reaches them.
  recurrence: { rule: 'FREQ=MONTHLY;BYDAY=2TU;COUNT=6', start: '2027-01-12T18:30', durationMinutes: 90, exceptions: ['2027-04-13T18:30'] },
  rotation: [
    { venue: { name: 'North Library', address: { street: '1 Elm St', locality: 'Metro' } }, areaId: areas.north },
    { venue: { name: 'South Rec Centre', address: { street: '9 Oak Ave', locality: 'Metro' } }, areaId: areas.south },
  ],
  overrides: [{ occurrence: '2027-05-11T18:30', start: '2027-05-15T10:00', durationMinutes: 120, format: 'hybrid', online: { joinUrl: 'https://meet.example.org/listen' } }],
  ...extra,
})

t.test('when a monthly series is created, then its occurrences land on the right local times across DST, rotating places', async (t) => {
  const { app, fixtures } = await build(t)
  const staff = await bearer()
  const res = await app.inject({ method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody({ north: fixtures.areas.north.id, south: fixtures.areas.south.id }) })
  t.equal(res.statusCode, 201)
  const series = json(res)
  t.equal(res.headers.location, `/v1/series/${series.id}`)
  t.equal(series.recurrence.rule, 'FREQ=MONTHLY;BYDAY=2TU;COUNT=6')

  const occ = json(await app.inject({ method: 'GET', url: `/v1/series/${series.id}/occurrences` })).data
  t.same(
    occ.map((e: { startsAt: string }) => e.startsAt),
    [
      '2027-01-12T18:30:00-05:00', // EST
      '2027-02-09T18:30:00-05:00',
      '2027-03-09T18:30:00-05:00', // DST starts 14 March 2027
      // 13 April is an exception
      '2027-05-15T10:00:00-04:00', // moved to a Saturday morning, in EDT
      '2027-06-08T18:30:00-04:00',
    ],
    'second Tuesdays at 18:30 local, whatever the UTC offset; exception skipped; override applied',
  )
  t.same(occ.map((e: { venue: { name: string } }) => e.venue.name), ['North Library', 'South Rec Centre', 'North Library', 'North Library', 'South Rec Centre'], 'rotation by occurrence number')
  t.same(occ.map((e: { areaId: string }) => e.areaId), [fixtures.areas.north.id, fixtures.areas.south.id, fixtures.areas.north.id, fixtures.areas.north.id, fixtures.areas.south.id])
  const moved = occ[3]
  t.equal(moved.format, 'hybrid')
  t.equal(moved.online.joinUrl, 'https://meet.example.org/listen')
  t.equal(moved.endsAt, '2027-05-15T12:00:00-04:00')
  t.equal(moved.recurrenceId, '2027-05-11T18:30:00-04:00', 'RECURRENCE-ID keeps the start the rule gave')
  t.ok(occ.every((e: { seriesId: string }) => e.seriesId === series.id))

  const inList = json(await app.inject({ method: 'GET', url: `/v1/events?seriesId=${series.id}&language=es` })).data
  t.equal(inList.length, 5, 'occurrences are ordinary events in the event list')
})

t.test('when a series changes, then future occurrences follow, hand-edited ones stay, removed ones are cancelled', async (t) => {
  const { app, fixtures } = await build(t)
  const staff = await bearer()
  const areas = { north: fixtures.areas.north.id, south: fixtures.areas.south.id }
  const series = json(await app.inject({ method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody(areas) }))
  const before = json(await app.inject({ method: 'GET', url: `/v1/series/${series.id}/occurrences` })).data
  // Staff cancel the February meeting by hand.
  const feb = before[1]
  await app.inject({ method: 'POST', url: `/v1/events/${feb.id}/cancel`, headers: { ...staff, 'if-match': `"${feb.version}"` }, payload: { reason: 'Venue flooded' } })

  const noMatch = await app.inject({ method: 'PATCH', url: `/v1/series/${series.id}`, headers: staff, payload: { capacity: 80 } })
  t.equal(noMatch.statusCode, 428)
  const updated = await app.inject({
    method: 'PATCH',
    url: `/v1/series/${series.id}`,
    headers: { ...staff, 'if-match': '"1"' },
    payload: { capacity: 80, recurrence: { rule: 'FREQ=MONTHLY;BYDAY=2TU;COUNT=4', start: '2027-01-12T18:30', durationMinutes: 90, exceptions: [] }, overrides: [] },
  })
  t.equal(updated.statusCode, 200, updated.body)
  t.equal(updated.headers.etag, '"2"')
  const after = json(await app.inject({ method: 'GET', url: `/v1/events?seriesId=${series.id}` })).data
  const byStart = Object.fromEntries(after.map((e: { recurrenceId: string }) => [e.recurrenceId, e]))
  t.equal(byStart['2027-02-09T18:30:00-05:00'].status, 'cancelled', 'the hand-cancelled meeting stays cancelled')
  t.equal(byStart['2027-02-09T18:30:00-05:00'].statusReason, 'Venue flooded')
  t.equal(byStart['2027-01-12T18:30:00-05:00'].capacity, 80, 'the change reaches future occurrences')
  t.ok(byStart['2027-01-12T18:30:00-05:00'].sequence > 0, 'and their SEQUENCE rises')
  t.equal(byStart['2027-04-13T18:30:00-04:00'].status, 'scheduled', 'the former exception now happens')
  t.equal(byStart['2027-05-11T18:30:00-04:00'].status, 'cancelled', 'an occurrence the rule no longer gives is cancelled')
  t.equal(byStart['2027-05-11T18:30:00-04:00'].startsAt, '2027-05-15T10:00:00-04:00', 'at the time subscribers last saw')
  t.equal(byStart['2027-06-08T18:30:00-04:00'].status, 'cancelled')

  const stale = await app.inject({ method: 'PATCH', url: `/v1/series/${series.id}`, headers: { ...staff, 'if-match': '"1"' }, payload: { capacity: 10 } })
  t.equal(stale.statusCode, 412)
})

t.test('when a series is cancelled, then every meeting yet to happen is cancelled and the series takes no more changes', async (t) => {
  const { app, fixtures } = await build(t)
  const staff = await bearer()
  const series = json(await app.inject({ method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody({ north: fixtures.areas.north.id, south: fixtures.areas.south.id }) }))
  const cancelled = await app.inject({ method: 'POST', url: `/v1/series/${series.id}/cancel`, headers: { ...staff, 'if-match': '"1"' }, payload: { reason: 'Replaced by district forums' } })
  t.equal(json(cancelled).status, 'cancelled')
  const occ = json(await app.inject({ method: 'GET', url: `/v1/series/${series.id}/occurrences` })).data
  t.ok(occ.length > 0 && occ.every((e: { status: string; statusReason: string }) => e.status === 'cancelled' && e.statusReason === 'Replaced by district forums'))
  const again = await app.inject({ method: 'POST', url: `/v1/series/${series.id}/cancel`, headers: { ...staff, 'if-match': '"2"' }, payload: {} })
  t.equal(again.statusCode, 409)
  t.equal(json(again).code, 'INVALID_TRANSITION')
})

t.test('when a series names an override that is not an occurrence or an area of another agency, then it is refused whole', async (t) => {
  const { app, database, fixtures } = await build(t)
  const staff = await bearer()
  const areas = { north: fixtures.areas.north.id, south: fixtures.areas.south.id }
  const wrongOverride = await app.inject({ method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody(areas, { overrides: [{ occurrence: '2027-01-13T18:30', cancelled: true }] }) })
  t.equal(wrongOverride.statusCode, 400)
  t.match(json(wrongOverride).errors[0], { field: 'overrides' })
  const otherAgencyArea = await app.inject({ method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody({ north: fixtures.areas.lakeArea.id, south: areas.south }) })
  t.equal(otherAgencyArea.statusCode, 400)
  const [{ n }] = await database.raw<{ n: number }>('select (select count(*) from event_series) + (select count(*) from events) as n')
  t.equal(Number(n), 0, 'no series and no occurrences were stored')
})

t.test('when a series create is retried with its Idempotency-Key, then it is created once', async (t) => {
  const { app, database, fixtures } = await build(t)
  const headers = { ...(await bearer()), 'idempotency-key': 'series-2027' }
  const body = seriesBody({ north: fixtures.areas.north.id, south: fixtures.areas.south.id })
  const first = await app.inject({ method: 'POST', url: '/v1/series', headers, payload: body })
  const again = await app.inject({ method: 'POST', url: '/v1/series', headers, payload: body })
  t.equal(again.statusCode, 201)
  t.equal(json(again).id, json(first).id)
  const [{ n }] = await database.raw<{ n: number }>('select count(*)::int as n from event_series')
  t.equal(n, 1)
})
