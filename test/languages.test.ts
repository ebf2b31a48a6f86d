// Languages: Accept-Language → Content-Language over REST, `language:` in GraphQL, fallback to the agency default, availableLanguages.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const json = (res: { body: string }) => JSON.parse(res.body)

t.test('when an event exists in some languages, then each reader gets theirs or the agency default, and is told which exist', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const event = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ title: { en: 'Community meeting', vi: 'Họp cộng đồng', so: 'Kulan bulsho' } }) }))
  const noDefault = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ title: { zh: '社区会议', vi: 'Họp' }, startsAt: '2027-03-11T09:00:00-05:00', endsAt: '2027-03-11T10:00:00-05:00' }) }))
  t.same([...event.availableLanguages].sort(), ['en', 'so', 'vi'], 'REST: availableLanguages')

  const cases: [string | undefined, string, string][] = [
    ['so', 'so', 'Kulan bulsho'],
    ['vi-VN', 'vi', 'Họp cộng đồng'],
    ['fr, so;q=0.4', 'so', 'Kulan bulsho'],
    ['fr', 'en', 'Community meeting'],
    [undefined, 'en', 'Community meeting'],
  ]
  for (const [accept, language, title] of cases) {
    const res = await app.inject({ method: 'GET', url: `/v1/events/${event.id}`, headers: accept ? { 'accept-language': accept } : {} })
    // The description exists only in English: Content-Language names it second when the title is in another language.
    t.equal(res.headers['content-language'], language === 'en' ? 'en' : `${language}, en`, `Accept-Language ${accept ?? '(none)'} → Content-Language ${language}`)
    t.equal(json(res).title, title)
    t.match(res.headers.vary, /Accept-Language/)
  }
  const other = await app.inject({ method: 'GET', url: `/v1/events/${noDefault.id}`, headers: { 'accept-language': 'fr' } })
  t.ok(['zh', 'vi'].includes(String(other.headers['content-language']).split(', ')[0]!), 'without the agency default, a language it has')

  const list = json(await app.inject({ method: 'GET', url: '/v1/events', headers: { 'accept-language': 'so' } })).data
  t.equal(list[0].contentLanguage, 'so', 'each list item says its language')
  t.ok(['zh', 'vi'].includes(list[1].contentLanguage), 'one without Somali or the default says which it fell back to')

  const gql = await app.inject({
    method: 'POST',
    url: '/graphql',
    payload: { query: `query ($id: ID!) { so: event(id: $id, language: "so") { title contentLanguage availableLanguages } fr: event(id: $id, language: "fr") { title contentLanguage } }`, variables: { id: event.id } },
  })
  const data = json(gql).data
  t.same({ ...data.so, availableLanguages: [...data.so.availableLanguages].sort() }, { title: 'Kulan bulsho', contentLanguage: 'so', availableLanguages: ['en', 'so', 'vi'] }, 'GraphQL: language argument and availableLanguages')
  t.same(data.fr, { title: 'Community meeting', contentLanguage: 'en' }, 'GraphQL falls back to the agency default')
})

t.test('when a series is read, then it negotiates the same way and lists its languages', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const created = await app.inject({
    method: 'POST',
    url: '/v1/series',
    headers: staff,
    payload: { title: { en: 'Beat meeting', es: 'Reunión del sector' }, kind: 'listening_session', format: 'in_person', venue: { name: 'Library' }, recurrence: { rule: 'FREQ=WEEKLY;COUNT=2', start: '2027-01-05T18:00', durationMinutes: 60 } },
  })
  const series = json(created)
  const es = await app.inject({ method: 'GET', url: `/v1/series/${series.id}`, headers: { 'accept-language': 'es' } })
  t.equal(es.headers['content-language'], 'es')
  t.equal(json(es).title, 'Reunión del sector')
  t.same([...json(es).availableLanguages].sort(), ['en', 'es'])
  const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `query ($id: ID!) { seriesById(id: $id, language: "es") { title availableLanguages } }`, variables: { id: series.id } } })
  t.equal(json(gql).data.seriesById.title, 'Reunión del sector')
})
