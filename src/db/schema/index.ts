export * from './agencies.ts'
export * from './events.ts'
export * from './platform.ts'
