// Organization: fields come straight from the service's OrganizationView (contact already filtered); relations in batches.
import { agencyOf } from './relation-loaders.ts'

export const organizationLoaders = {
  Organization: { agency: agencyOf },
}
