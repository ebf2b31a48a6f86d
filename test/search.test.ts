// Issue 18 item 7: language-aware search ("cameras" finds "camera") over what each role may read.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const json = (res: { body: string }) => JSON.parse(res.body)

t.test('when events are searched, then words match in their own language with stemming, and as written in any language', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const english = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ title: { en: 'Body camera policy forum' }, description: { en: 'How officers use their cameras.' } }) }))
  const spanish = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ title: { es: 'Foro sobre cámaras corporales' }, description: { es: 'Hablemos de las cámaras.' } }) }))
  const somali = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ title: { so: 'Kulan bulsho' }, description: { so: 'Kulan' } }) }))
  const search = async (q: string) => json(await app.inject({ method: 'GET', url: `/v1/events?q=${encodeURIComponent(q)}` })).data.map((e: { id: string }) => e.id).sort()
  t.same(await search('cameras'), [english.id], '"cameras" finds "camera" (English stemming)')
  t.same(await search('body cameras'), [english.id], '"body cameras" finds "Body camera"')
  t.same(await search('cámara'), [spanish.id], '"cámara" finds "cámaras" (Spanish stemming)')
  t.same(await search('bulsho'), [somali.id], 'a language with no configuration is found as written (simple)')
  t.same(await search('"camera policy"'), [english.id], 'phrases')
  t.same(await search('cameras -policy'), [], 'exclusions')
  const gql = json(await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ events(filter: { q: "officer" }) { nodes { id } } }' } }))
  t.same(gql.data.events.nodes.map((e: { id: string }) => e.id), [english.id], 'GraphQL searches the same way ("officer" finds "officers")')
})

t.test('when feedback is searched, then each role searches the text it may read', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const analyst = await bearer({ role: 'analyst' })
  const item = json(await app.inject({ method: 'POST', url: '/v1/feedback', headers: staff, payload: { body: 'The body cameras were switched off. Call me on 555-867-5309.', language: 'en', topic: 'community_safety' } }))
  const search = async (q: string, headers: Record<string, string>) =>
    json(await app.inject({ method: 'GET', url: `/v1/feedback?agency=metro&q=${encodeURIComponent(q)}`, headers })).data?.map((f: { id: string }) => f.id)

  t.same(await search('body camera', analyst), [item.id], 'an analyst finds an unpublished item by its de-identified text, stemmed')
  t.same(await search('555-867-5309', analyst), [], 'but not by what de-identification removed')
  t.same(await search('867', analyst), [], 'nor by part of it')
  t.same(await search('555-867-5309', staff), [item.id], 'staff search the text as given')
  t.same(await search('camera', {}), [], 'the public searches published text only')
  const other = await bearer({ role: 'analyst', agency: 'lakeside' })
  t.same(await search('camera', other), [], "another agency's analyst finds nothing unpublished")
})
