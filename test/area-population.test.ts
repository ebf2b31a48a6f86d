// Population margins per area (census tables an agency loads through the API): the targets survey answers are weighted
// to. Admins set and clear them with the area's other fields; everyone reads them; bad tables are problems, not 500s.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'

const census = {
  source: 'ACS 2023 5-year estimates, tables B01001, B03002, C16001',
  margins: {
    ageBand: { age_18_24: 5210, age_25_34: 8120, age_35_44: 7050, age_45_54: 6400, age_55_64: 5900, age_65_plus: 6800 },
    gender: { woman: 20450, man: 19030 },
    raceEthnicity: { hispanic_or_latino: 14200, black_or_african_american: 9100, white: 12900, asian: 3280 },
    language: { en: 26100, es: 11200, so: 2180 },
  },
}

t.test('when an admin loads population margins for an area, then everyone reads them with the area, and bad tables are refused', async (t) => {
  const { app, fixtures } = await build(t)
  const admin = await bearer({ role: 'admin', agency: 'metro' })
  const staff = await bearer()
  const north = fixtures.areas.north.id
  const url = `/v1/agencies/metro/areas/${north}`
  const version = async () => (await app.inject({ method: 'GET', url })).json().version as number
  const patch = async (population: unknown, headers: Record<string, string> = admin) =>
    app.inject({ method: 'PATCH', url, headers: { ...headers, 'if-match': `"${await version()}"` }, payload: { population } })

  t.equal((await app.inject({ method: 'GET', url })).json().population, null, 'none until loaded')
  const bad: [string, unknown][] = [
    ['a category that is no answer', { ...census, margins: { gender: { prefer_not_to_say: 10 } } }],
    ['an unknown category', { ...census, margins: { ageBand: { age_12_17: 10 } } }],
    ['an unknown dimension', { ...census, margins: { income: { high: 10 } } }],
    ['a negative count', { ...census, margins: { gender: { woman: -1, man: 5 } } }],
    ['a fraction of a person', { ...census, margins: { gender: { woman: 2.5, man: 5 } } }],
    ['no dimension', { ...census, margins: {} }],
    ['no category', { ...census, margins: { gender: {} } }],
    ['nobody at all', { ...census, margins: { gender: { woman: 0, man: 0 } } }],
    ['no source', { margins: census.margins }],
    ['a NUL in the source', { ...census, source: 'ACS\u0000' }],
    ['a language that is no tag', { ...census, margins: { language: { 'not a tag!': 5 } } }],
  ]
  for (const [what, population] of bad) {
    const res = await patch(population)
    t.equal(res.statusCode, 400, `${what}: ${res.json().code}`)
  }
  t.equal((await patch(census, staff)).statusCode, 403, 'staff do not change areas; admins do')
  t.equal(await version(), 1, 'nothing was written')

  const set = await patch(census)
  t.equal(set.statusCode, 200, set.body)
  t.same(set.json().population, census)
  const read = (await app.inject({ method: 'GET', url })).json()
  t.same(read.population, census, 'the public reads the margins with the area')
  t.equal(read.version, 2)

  // GraphQL: the same JSON, read through the agency's areas and set with updateArea.
  const gql = async (query: string, headers: Record<string, string> = {}) => (await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query } })).json()
  const listed = await gql('{ agency(slug: "metro") { areas { id population } } }')
  t.same(listed.data.agency.areas.find((a: { id: string }) => a.id === north).population, census)
  const cleared = await gql(`mutation { updateArea(agency: "metro", id: "${north}", expectedVersion: 2, input: { population: null }) { population version } }`, admin)
  t.same(cleared.data.updateArea, { population: null, version: 3 }, 'null clears them')
  const refused = await gql(`mutation { updateArea(agency: "metro", id: "${north}", expectedVersion: 3, input: { population: { source: "x", margins: { gender: { woman: -4 } } } }) { version } }`, admin)
  t.equal(refused.errors[0].extensions.code, 'VALIDATION_FAILED')
  const made = await gql(`mutation { createArea(agency: "metro", input: { code: "B-9", name: "Beat 9", kind: BEAT }) { area { population } } }`, admin)
  t.equal(made.data.createArea.area.population, null, 'a new area may come without them')
})
