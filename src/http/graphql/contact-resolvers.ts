// Surveys after police contact over GraphQL: the agency's rules and the anonymous answer, through the same service as REST.
import type { FastifyInstance } from 'fastify'
import type { ContactRulesView } from '../../modules/contacts/contacts-service.ts'
import { serviceContext, type GraphqlContext } from './graphql-context.ts'
import { withoutNulls } from './inputs.ts'

/** The enums of this section whose values are service values in upper case (bound in enum-values.ts). */
export const contactEnums = ['ContactKind', 'ContactFlag'] as const

/** Sampling rates as GraphQL lists them: one entry per kind named. */
const graphqlRules = (rules: ContactRulesView) => ({ ...rules, samplingRates: Object.entries(rules.samplingRates).map(([kind, rate]) => ({ kind, rate })) })

export function registerContactsGraphql(app: FastifyInstance) {
  app.graphql.defineResolvers({
    Query: {
      async contactSurveyRules(_: unknown, _args: unknown, context: GraphqlContext) {
        return graphqlRules(await context.services.contacts.rules(serviceContext(context)))
      },
    },
    Mutation: {
      async changeContactSurveyRules(_: unknown, args: { input: Record<string, unknown> & { samplingRates?: { kind: string; rate: number }[] | null } }, context: GraphqlContext) {
        const { samplingRates, ...rest } = withoutNulls(args.input) as Record<string, unknown> & { samplingRates?: { kind: string; rate: number }[] }
        const input = { ...rest, ...(samplingRates ? { samplingRates: Object.fromEntries(samplingRates.map((r) => [r.kind, r.rate])) } : {}) }
        return graphqlRules(await context.services.contacts.changeRules(serviceContext(context), input))
      },
      answerContactSurvey(_: unknown, args: { input: Record<string, unknown> }, context: GraphqlContext) {
        return context.services.contacts.answer(serviceContext(context), withoutNulls(args.input))
      },
    },
  })
}
