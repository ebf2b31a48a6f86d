// TEMPORARY placeholder so the app builds while the GraphQL adapter is written (replaced by helper).
import type { FastifyInstance } from 'fastify'
import type { TokenVerifier } from '../../auth/verify-token.ts'
import type { Services } from '../../modules/services.ts'

export async function registerGraphql(_app: FastifyInstance, _deps: { services: Services; verify: TokenVerifier }) {}
