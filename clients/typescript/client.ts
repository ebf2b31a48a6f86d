// A typed client for the REST API: paths, parameters, bodies and replies are checked against openapi.yaml at compile time.
import createClient, { type ClientOptions } from 'openapi-fetch'
import type { components, paths } from './openapi-types.ts'

export type { components, operations, paths } from './openapi-types.ts'
export type Event = components['schemas']['Event']
export type EventPage = components['schemas']['EventPage']
export type Problem = components['schemas']['Problem']
export type Accommodation = components['schemas']['Accommodation']
export type ChangePage = components['schemas']['ChangePage']
export type ChangeEntry = components['schemas']['ChangeEntry']

/** The JSON replies: plain JSON and problems (application/problem+json), not the JSON-LD alternative of event reads. */
type JsonMedia = 'application/json' | 'application/problem+json'

/**
 * A client for one server, e.g. createEngagementClient('http://127.0.0.1:3000'); pass `headers` for a bearer token.
 * For the iCalendar and CSV feeds use `createClient<paths>` from openapi-fetch with `parseAs: 'text'`.
 */
export function createEngagementClient(baseUrl: string, options: Omit<ClientOptions, 'baseUrl'> = {}) {
  return createClient<paths, JsonMedia>({ baseUrl, ...options })
}
export type EngagementClient = ReturnType<typeof createEngagementClient>
