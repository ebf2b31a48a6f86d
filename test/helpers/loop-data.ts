// Loop records with every field set (for the GraphQL select-all contract test): a retired agency topic, feedback
// with a giver, moderated, answered by a decision with progress, and reported back; and a referred item.
import type { FastifyInstance } from 'fastify'
import { bearer } from './auth.ts'

export async function loopData(app: FastifyInstance, { eventId, organizationId, areaId }: { eventId: string; organizationId: string; areaId: string }) {
  const staff = await bearer()
  const admin = await bearer({ role: 'admin' })
  const post = async (url: string, payload: unknown, headers: Record<string, string> = staff) => {
    const res = await app.inject({ method: 'POST', url, headers, payload: payload as never })
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.body}`)
    return res.json()
  }
  // Each create once through GraphQL too, so its payload type is exercised.
  const mutations: unknown[] = []
  const gql = async (query: string, variables: Record<string, unknown>, headers = staff) => {
    const res = (await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } })).json()
    if (res.errors) throw new Error(JSON.stringify(res.errors))
    mutations.push(res.data)
    return res.data
  }
  await gql('mutation ($input: AddTopicInput!) { addTopic(input: $input) { replayed topic { code } } }', { input: { code: 'old_topic', label: [{ language: 'en', text: 'Old' }], description: [{ language: 'en', text: 'Withdrawn' }] } }, admin)
  await post('/v1/topics/old_topic/retire', undefined, admin)
  const item = await post('/v1/feedback', {
    body: 'Lights out at 12 Main Street',
    language: 'en',
    channel: 'partner_collected',
    organizationId,
    eventId,
    areaId,
    topic: 'community_safety',
    stance: 'critical',
    publish: true,
    contact: { displayName: 'Ana', email: 'ana@example.org', consentToContact: true },
  })
  await post(`/v1/feedback/${item.id}/moderation`, { action: 'publish' }, { ...staff, 'if-match': '"1"' })
  const submitted = (await gql('mutation ($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { replayed trackingCode feedback { id } } }', { input: { body: 'Noise', language: 'en', topic: 'other' } })).submitFeedback
  const referred = submitted.feedback
  await post(`/v1/feedback/${referred.id}/transitions`, { to: 'referred', referredTo: 'City noise office', note: 'Not ours' }, { ...staff, 'if-match': '"1"' })
  await gql('mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { replayed decision { id } } }', { input: { title: [{ language: 'en', text: 'Noise is referred' }], feedbackIds: [referred.id] } })
  const decision = await post('/v1/decisions', {
    title: { en: 'Fix the lights', es: 'Arreglar las luces' },
    summary: { en: 'New lamps.' },
    rationale: { en: 'Safety.' },
    decidedBy: 'Commander',
    decidedAt: '2027-02-01T10:00:00Z',
    status: 'adopted',
    publication: 'published',
    areaId,
    topic: 'community_safety',
    feedbackIds: [item.id],
    eventIds: [eventId],
    organizationIds: [organizationId],
  })
  await post(`/v1/decisions/${decision.id}/updates`, { status: 'in_progress', on: '2027-02-10', note: { en: 'Ordered' } }, { ...staff, 'if-match': '"1"' })
  await gql('mutation ($input: RecordReportBackInput!) { recordReportBack(input: $input) { replayed reportBack { id } } }', { input: { decisionId: decision.id, channel: 'WEBSITE', relayedAt: '2027-02-15T10:00:00Z', feedbackIds: [] } })
  const report = await post('/v1/report-backs', {
    decisionId: decision.id,
    channel: 'community_meeting',
    relayedAt: '2027-03-01T19:00:00Z',
    eventId,
    languages: ['en'],
    audience: ['feedback_givers'],
    summary: { en: 'Told the meeting' },
    url: 'https://metro.example.org/you-said',
  })
  return { feedbackId: item.id as string, trackingCode: item.trackingCode as string, referredTrackingCode: submitted.trackingCode as string, decisionId: decision.id as string, reportBackId: report.id as string, mutations }
}
