// Two small agencies with areas, so every test file starts from the same known data.
import type { Database } from '../../src/db/client.ts'
import { createAgenciesRepository } from '../../src/modules/agencies/agencies-repository.ts'

export async function createFixtures(database: Database) {
  const repo = createAgenciesRepository(database.db)
  const metro = await repo.insert({
    slug: 'metro',
    name: 'Metro Police Department',
    jurisdiction: 'City of Metro',
    timeZone: 'America/New_York',
    defaultLanguage: 'en',
    supportedLanguages: ['en', 'es', 'vi'],
  })
  const lakeside = await repo.insert({
    slug: 'lakeside',
    name: 'Lakeside Sheriff',
    jurisdiction: 'Lakeside County',
    timeZone: 'America/Chicago',
    defaultLanguage: 'en',
    supportedLanguages: ['en'],
  })
  const north = await repo.insertArea({ agencyId: metro.id, code: 'D1', name: 'District 1 (North)', kind: 'district' })
  const south = await repo.insertArea({ agencyId: metro.id, code: 'D2', name: 'District 2 (South)', kind: 'district' })
  const lakeArea = await repo.insertArea({ agencyId: lakeside.id, code: 'E', name: 'East County', kind: 'district' })
  return { metro, lakeside, areas: { north, south, lakeArea } }
}

/** A valid event body for POST /v1/events, with overrides; it starts about three months after TEST_NOW (in the future). */
export function eventBody(overrides: Record<string, unknown> = {}) {
  return {
    title: { en: 'Coffee with a Cop', es: 'Café con un policía' },
    description: { en: 'Meet the officers who patrol your neighbourhood.' },
    kind: 'coffee_with_an_officer',
    format: 'in_person',
    startsAt: '2027-03-10T09:00:00-05:00',
    endsAt: '2027-03-10T10:30:00-05:00',
    venue: { name: 'Corner Café', address: { street: '12 Main St', locality: 'Metro', region: 'NY', postalCode: '10001', country: 'US' }, geo: { latitude: 40.75, longitude: -73.99 } },
    languages: ['en', 'es'],
    interpretation: ['ase'],
    accommodations: ['step_free_access', 'sign_language_interpretation'],
    capacity: 40,
    topics: ['community_safety'],
    ...overrides,
  }
}
