// schema.org Event as JSON-LD, read back with the jsonld processor (no network: the context is inline).
import jsonld from 'jsonld'
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const json = (res: { body: string }) => JSON.parse(res.body)
const S = 'https://schema.org/'
const attempted: string[] = []
// Any remote context would be fetched through here: refuse and remember it.
const documentLoader = async (url: string): Promise<never> => {
  attempted.push(url)
  throw new Error(`network refused: ${url}`)
}

type Quad = { subject: { value: string }; predicate: { value: string }; object: { value: string; termType: string; datatype?: { value: string } } }
async function quadsOf(doc: object): Promise<Quad[]> {
  return (await jsonld.toRDF(doc as jsonld.JsonLdDocument, { documentLoader } as never)) as unknown as Quad[]
}
const objects = (quads: Quad[], subject: string | undefined, predicate: string) =>
  quads.filter((q) => (subject === undefined || q.subject.value === subject) && q.predicate.value === `${S}${predicate}`).map((q) => q.object.value)
const subjectOfType = (quads: Quad[], type: string) =>
  quads.filter((q) => q.predicate.value === 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type' && q.object.value === `${S}${type}`).map((q) => q.subject.value)

t.test('when an event is asked for as application/ld+json, then it is a schema.org Event that expands offline', async (t) => {
  const { app, fixtures } = await build(t)
  const staff = await bearer({ role: 'admin' })
  const org = json(await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Hillcrest Neighbours', kind: 'neighbourhood_association' } }))
  t.ok(org.id, 'a co-host organization')
  const event = json(
    await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: staff,
      payload: eventBody({ format: 'hybrid', online: { joinUrl: 'https://meet.example.org/j/123' }, coHostIds: [org.id], areaId: fixtures.areas.north.id }),
    }),
  )
  const res = await app.inject({ method: 'GET', url: `/v1/events/${event.id}`, headers: { accept: 'application/ld+json', 'accept-language': 'es' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/ld+json; charset=utf-8')
  t.match(res.headers.vary, /\bAccept\b/, 'Vary: Accept, as the same URL answers JSON too')
  t.equal(res.headers['content-language'], 'es, en', 'the title is Spanish, the description English')
  t.equal(res.headers.etag, '"1"')
  const doc = json(res)
  t.equal(doc['@type'], 'Event')

  const expanded = (await jsonld.expand(doc, { documentLoader } as never)) as unknown as Record<string, unknown>[]
  t.equal(expanded.length, 1, 'one node at the top')
  t.same(expanded[0]!['@type'], [`${S}Event`], 'expands to https://schema.org/Event')

  const quads = await quadsOf(doc)
  const id = `http://api.example.test/v1/events/${event.id}`
  t.same(objects(quads, id, 'name'), ['Café con un policía'], 'name in the language asked for')
  t.same(objects(quads, id, 'eventStatus'), [`${S}EventScheduled`], 'eventStatus is the schema.org IRI')
  t.same(objects(quads, id, 'eventAttendanceMode'), [`${S}MixedEventAttendanceMode`], 'hybrid is MixedEventAttendanceMode')
  t.same(objects(quads, id, 'inLanguage').sort(), ['ase', 'en', 'es'], 'inLanguage: spoken and interpreted')
  const start = quads.find((q) => q.subject.value === id && q.predicate.value === `${S}startDate`)!
  t.equal(start.object.value, '2027-03-10T09:00:00-05:00', 'startDate keeps its offset')
  t.equal(start.object.datatype?.value, `${S}DateTime`)

  const [placeNode] = subjectOfType(quads, 'Place')
  t.ok(placeNode, 'a Place')
  t.same(objects(quads, placeNode, 'name'), ['Corner Café'])
  const [address] = subjectOfType(quads, 'PostalAddress')
  t.same(objects(quads, address, 'streetAddress'), ['12 Main St'])
  t.same(objects(quads, address, 'addressCountry'), ['US'])
  const [geo] = subjectOfType(quads, 'GeoCoordinates')
  t.same(objects(quads, geo, 'latitude').map(Number), [40.75])
  t.same(objects(quads, geo, 'longitude').map(Number), [-73.99])
  const features = subjectOfType(quads, 'LocationFeatureSpecification').flatMap((f) => objects(quads, f, 'name')).sort()
  t.same(features, ['sign language interpretation', 'step-free access'], 'accommodations are amenityFeatures of the Place')
  t.same(objects(quads, id, 'accessibilityFeature').sort(), ['sign language interpretation', 'step-free access'])
  const [virtual] = subjectOfType(quads, 'VirtualLocation')
  t.same(objects(quads, virtual, 'url'), ['https://meet.example.org/j/123'], 'a VirtualLocation with the join URL')

  const organizers = objects(quads, id, 'organizer')
  t.equal(organizers.length, 2, 'the agency and the co-host organize it')
  const [agencyNode] = subjectOfType(quads, 'GovernmentOrganization')
  t.same(objects(quads, agencyNode, 'name'), ['Metro Police Department'])
  t.same(objects(quads, `http://api.example.test/v1/organizations/${org.id}`, 'name'), ['Hillcrest Neighbours'])
  t.same(attempted, [], 'nothing was fetched')
})

t.test('when events are listed as JSON-LD, then the page is a schema.org ItemList; plain JSON stays the default', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const virtual = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ format: 'virtual', venue: undefined, online: { joinUrl: 'https://meet.example.org/v' } }) }))
  const cancelled = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ startsAt: '2027-03-11T09:00:00-05:00', endsAt: '2027-03-11T10:00:00-05:00' }) }))
  await app.inject({ method: 'POST', url: `/v1/events/${cancelled.id}/cancel`, headers: { ...staff, 'if-match': '"1"' }, payload: {} })

  const res = await app.inject({ method: 'GET', url: '/v1/events?limit=1', headers: { accept: 'application/ld+json' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/ld+json; charset=utf-8')
  t.match(res.headers.link, /rel="next"/, 'paging works as for JSON')
  const quads = await quadsOf(json(res))
  t.equal(subjectOfType(quads, 'ItemList').length, 1)
  const [only] = subjectOfType(quads, 'Event')
  t.equal(only, `http://api.example.test/v1/events/${virtual.id}`)
  t.same(objects(quads, only, 'eventAttendanceMode'), [`${S}OnlineEventAttendanceMode`])
  t.same(subjectOfType(quads, 'Place'), [], 'a virtual meeting has no Place')

  const next = await app.inject({ method: 'GET', url: res.headers.link!.toString().slice(1).split('>')[0]!, headers: { accept: 'application/ld+json' } })
  const nextQuads = await quadsOf(json(next))
  t.same(objects(nextQuads, `http://api.example.test/v1/events/${cancelled.id}`, 'eventStatus'), [`${S}EventCancelled`])

  const plain = await app.inject({ method: 'GET', url: `/v1/events/${virtual.id}`, headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })
  t.match(plain.headers['content-type'], /^application\/json/, 'a browser gets plain JSON')
  t.ok(Array.isArray(json(plain).availableLanguages), 'plain JSON has availableLanguages')
  const preferJson = await app.inject({ method: 'GET', url: `/v1/events/${virtual.id}`, headers: { accept: 'application/json, application/ld+json;q=0.5' } })
  t.match(preferJson.headers['content-type'], /^application\/json/, 'q-values are honoured')

  const missing = await app.inject({ method: 'GET', url: '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14', headers: { accept: 'application/ld+json' } })
  t.equal(missing.statusCode, 404)
  t.match(missing.headers['content-type'], /^application\/problem\+json/, 'problems stay problem+json')
  const bad = await app.inject({ method: 'GET', url: '/v1/events?status=archived', headers: { accept: 'application/ld+json' } })
  t.equal(bad.statusCode, 400)
})
