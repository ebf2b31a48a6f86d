// What every service call knows about its caller: who, for which request, where to log, and what time it is.
import type { BaseLogger } from 'pino'

export type Logger = Pick<BaseLogger, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'>
import type { Actor } from './auth/actor.ts'
import type { Clock } from './clock.ts'

export type RequestContext = {
  actor: Actor
  requestId: string
  log: Logger
  /** Preferred languages, best first (from Accept-Language or a GraphQL argument). */
  languages: string[]
  /** Domain time: services read "now" here, never from Date.now(). */
  clock: Clock
}
