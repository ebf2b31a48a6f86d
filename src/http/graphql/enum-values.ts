// GraphQL enum names are UPPER_CASE, the services speak lowercase (IN_PERSON ↔ in_person). Binding each enum
// value to its service value here, once, lets graphql-js translate both ways and resolvers pass values untouched.
import { isEnumType, type GraphQLSchema } from 'graphql'
import { contactEnums } from './contact-resolvers.ts'
import { peopleEnums } from './people-resolvers.ts'

/** The schema's enums whose values are service values in upper case. */
const serviceEnums = ['EventKind', 'EventStatus', 'EventFormat', 'Accommodation', 'AreaKind', 'SeriesStatus', 'OrganizationKind', 'PartnershipStatus', 'SuppressionReason', 'WebhookSubscriptionStatus', 'WebhookDeliveryStatus', 'SurveyCycle', 'ReliabilityTier', 'MarginsBasis', 'TrustContactKind', ...peopleEnums, ...contactEnums] as const

/** A mercurius schema transform. It runs on the freshly built schema, before graphql-js first looks values up. */
export function bindEnumValues(schema: GraphQLSchema): GraphQLSchema {
  for (const name of serviceEnums) {
    const type = schema.getType(name)
    if (!isEnumType(type)) throw new Error(`schema.graphql has no enum ${name}`)
    for (const value of type.getValues()) value.value = value.name.toLowerCase()
  }
  return schema
}
