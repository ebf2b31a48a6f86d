export * from './agencies.ts'
export * from './events.ts'
export * from './platform.ts'
export * from './organizations.ts'
