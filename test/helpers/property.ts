// Replayable property runs: each property has a fixed seed (FC_SEED overrides it), and a failure names the seed to replay.
import fc from 'fast-check'

/** The seed a property runs with: FC_SEED when set (to replay a failure), else the property's own fixed seed. */
export function propertySeed(fixed: number): number {
  const given = process.env.FC_SEED
  if (given === undefined || given === '') return fixed
  const seed = Number(given)
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, not ${JSON.stringify(given)}`)
  return seed
}

/** fc.assert with a fixed seed; when the property fails, the error opens with the FC_SEED=… that replays it. */
export function assertProperty<Ts>(property: fc.IAsyncProperty<Ts>, parameters: fc.Parameters<Ts> & { seed: number }): Promise<void>
export function assertProperty<Ts>(property: fc.IProperty<Ts>, parameters: fc.Parameters<Ts> & { seed: number }): void
export function assertProperty<Ts>(property: fc.IRawProperty<Ts>, parameters: fc.Parameters<Ts> & { seed: number }): Promise<void> | void {
  const seed = propertySeed(parameters.seed)
  const replay = (err: unknown): never => {
    const message = err instanceof Error ? err.message : String(err)
    throw new Error(`Property failed with seed ${seed}; replay it with FC_SEED=${seed}\n${message}`, { cause: err })
  }
  try {
    const run = fc.assert(property, { ...parameters, seed })
    return run instanceof Promise ? run.catch(replay) : run
  } catch (err) {
    return replay(err)
  }
}
