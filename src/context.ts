// What every service call knows about its caller: who, for which request, and where to log.
import type { BaseLogger } from 'pino'

export type Logger = Pick<BaseLogger, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'>
import type { Actor } from './auth/actor.ts'

export type RequestContext = {
  actor: Actor
  requestId: string
  log: Logger
  /** Preferred languages, best first (from Accept-Language or a GraphQL argument). */
  languages: string[]
}
