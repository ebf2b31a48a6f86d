// Surveys after police contact, as contract-openapi.test.ts exercises them: each operation answered with a 2xx and a
// problem, every response held to openapi.yaml by the caller's `call`.
import type { Test } from 'tap'
import { bearer } from './auth.ts'
import { testClock } from './clock.ts'
import { checkRequestBody, type ContractDeps } from './openapi.ts'

type Deps = ContractDeps & {
  areaCode: string
  /** The plaintext link token of an invitation still waiting for delivery (the test reads it from the database). */
  pendingToken(): Promise<string>
}

export const contactOperations = ['receiveContactEvents', 'getContactSurveyRules', 'changeContactSurveyRules', 'optOutOfContactSurveys', 'answerContactSurvey', 'optOutByInvitation', 'listContactFeedClients', 'createContactFeedClient']

export async function contactsContract(t: Test, { call, expectStatus, staff, analyst, areaCode, pendingToken }: Deps) {
  const admin = await bearer({ role: 'admin', agency: 'metro', sub: 'contract-contacts-admin' })
  const contact = (id: string, address: string) => ({ id, kind: 'report_taken', occurredAt: new Date(testClock.now().getTime() - 30 * 60_000).toISOString(), area: areaCode, channel: 'sms', address, language: 'en', flags: [] })

  expectStatus(t, await call(t, { method: 'GET', url: '/v1/contact-survey-rules', headers: analyst }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/contact-survey-rules' }), 401, 'UNAUTHENTICATED')
  const change = { delayMinutes: 0, quietHours: { start: '00:00', end: '00:00' }, samplingRates: { report_taken: 1 } }
  t.strictSame(checkRequestBody('PATCH', '/v1/contact-survey-rules', change), [], 'the spec accepts the change')
  expectStatus(t, await call(t, { method: 'PATCH', url: '/v1/contact-survey-rules', headers: admin, payload: change }), 200)
  expectStatus(t, await call(t, { method: 'PATCH', url: '/v1/contact-survey-rules', headers: staff, payload: change }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'PATCH', url: '/v1/contact-survey-rules', headers: admin, payload: { delayMinutes: -5 } }), 400, 'VALIDATION_FAILED')

  const batch = { contacts: [contact('CONTRACT-1', '+15550101001'), contact('CONTRACT-2', 'nope')] }
  t.strictSame(checkRequestBody('POST', '/v1/contact-events', { contacts: [batch.contacts[0]] }), [], 'the spec accepts the batch')
  const received = await call(t, { method: 'POST', url: '/v1/contact-events', headers: staff, payload: batch })
  expectStatus(t, received, 200)
  t.match(received.json(), { invited: 1, rejected: 1 })
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/contact-events', headers: staff, payload: { contacts: [] } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/contact-events', headers: analyst, payload: batch }), 403, 'FORBIDDEN')

  expectStatus(t, await call(t, { method: 'POST', url: '/v1/contact-survey-opt-outs', payload: { agency: 'metro', phone: '+15550101999' } }), 202)
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/contact-survey-opt-outs', payload: { agency: 'metro' } }), 400, 'VALIDATION_FAILED')

  const token = await pendingToken()
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/contact-survey-responses', payload: { token, dignity: 4, trust: 3, comment: 'Polite and quick.', language: 'en' } }), 201)
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/contact-survey-responses', payload: { token, trust: 3 } }), 403, 'SURVEY_TOKEN_INVALID')
  await call(t, { method: 'POST', url: '/v1/contact-events', headers: staff, payload: { contacts: [contact('CONTRACT-3', '+15550101003')] } })
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/contact-survey-responses/opt-out', payload: { token: await pendingToken() } }), 202)
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/contact-survey-responses/opt-out', payload: { token: 'unknown' } }), 403, 'SURVEY_TOKEN_INVALID')

  expectStatus(t, await call(t, { method: 'POST', url: '/v1/contact-feed-clients', headers: admin, payload: { name: 'Metro CAD' } }), 201)
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/contact-feed-clients', headers: staff, payload: { name: 'Metro CAD' } }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/contact-feed-clients', headers: admin }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/contact-feed-clients', headers: staff }), 403, 'FORBIDDEN')
}
