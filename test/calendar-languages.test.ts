// Issue 18 item 6: `lang` on every format wins over Accept-Language, and each text is labelled with the language it is in.
import t from 'tap'
import ICAL from 'ical.js'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const json = (res: { body: string }) => JSON.parse(res.body)

t.test('when a Spanish subscription link asks for lang=es, then every format answers in Spanish and labels each text with its own language', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  // The title exists in Spanish; the description only in English.
  const event = json(await app.inject({
    method: 'POST', url: '/v1/events', headers: staff,
    payload: eventBody({ title: { en: 'Coffee with a Cop', es: 'Café con un policía' }, description: { en: 'Meet the officers over coffee.' } }),
  }))
  const english = { 'accept-language': 'en' }

  const get = await app.inject({ method: 'GET', url: `/v1/events/${event.id}?lang=es`, headers: english })
  t.equal(get.statusCode, 200)
  t.equal(json(get).title, 'Café con un policía', 'JSON get: lang wins over Accept-Language')
  t.equal(json(get).contentLanguage, 'es')
  t.equal(json(get).descriptionLanguage, 'en', 'the English-only description says it is English')
  t.equal(get.headers['content-language'], 'es, en', 'Content-Language names both languages the reply is in')

  const list = json(await app.inject({ method: 'GET', url: '/v1/events?lang=es', headers: english })).data
  t.match(list[0], { title: 'Café con un policía', contentLanguage: 'es', descriptionLanguage: 'en' }, 'JSON list')

  const ics = await app.inject({ method: 'GET', url: '/v1/events.ics?lang=es', headers: english })
  const vevent = new ICAL.Component(ICAL.parse(ics.body)).getFirstSubcomponent('vevent')!
  t.equal(vevent.getFirstPropertyValue('summary'), 'Café con un policía', 'iCalendar feed in Spanish')
  t.equal(vevent.getFirstProperty('summary')!.getParameter('language'), 'es', 'SUMMARY;LANGUAGE=es')
  t.equal(vevent.getFirstProperty('description')!.getParameter('language'), 'en', 'DESCRIPTION;LANGUAGE=en: the text is English')

  const one = await app.inject({ method: 'GET', url: `/v1/events/${event.id}.ics?lang=es` })
  t.match(one.body, /SUMMARY;LANGUAGE=es:Café con un policía/, 'one event’s calendar takes lang too')

  const csv = await app.inject({ method: 'GET', url: '/v1/events.csv?lang=es', headers: english })
  const [header, row] = csv.body.replace(/^\uFEFF/, '').split(/\r?\n/)
  const cells = Object.fromEntries(header!.split(',').map((h, i) => [h, row!.split(',')[i]]))
  t.match(cells, { title: 'Café con un policía', contentLanguage: 'es', descriptionLanguage: 'en' }, 'CSV')

  const ld = json(await app.inject({ method: 'GET', url: `/v1/events/${event.id}?lang=es`, headers: { ...english, accept: 'application/ld+json' } }))
  t.same(ld.name, { '@value': 'Café con un policía', '@language': 'es' }, 'JSON-LD name tagged es')
  t.same(ld.description, { '@value': 'Meet the officers over coffee.', '@language': 'en' }, 'JSON-LD description tagged en')

  const fallback = json(await app.inject({ method: 'GET', url: `/v1/events/${event.id}?lang=fr`, headers: { 'accept-language': 'es' } }))
  t.equal(fallback.contentLanguage, 'es', 'a lang without text falls back through Accept-Language')

  const gql = json(await app.inject({ method: 'POST', url: '/graphql', payload: { query: `query ($id: ID!) { event(id: $id, language: "es") { title contentLanguage descriptionLanguage } }`, variables: { id: event.id } } }))
  t.same(gql.data.event, { title: 'Café con un policía', contentLanguage: 'es', descriptionLanguage: 'en' }, 'GraphQL names the description’s language too')
})

t.test('when lang is malformed or repeated, then it is a 400 problem naming lang', async (t) => {
  const { app } = await build(t)
  for (const url of ['/v1/events?lang=not_a_tag!', '/v1/events.ics?lang=es&lang=en', '/v1/events.csv?lang=' + 'x'.repeat(40)]) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 400, url)
    t.equal(json(res).code, 'VALIDATION_FAILED')
    t.match(json(res).errors, [{ field: 'lang' }])
  }
})
