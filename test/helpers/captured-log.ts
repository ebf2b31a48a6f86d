// The app's pino lines, captured: what privacy tests search for personal data.
import { Writable } from 'node:stream'

/** A stream to give buildApp as `logStream`, and the lines written to it. */
export function capturedLog(): { lines: string[]; logStream: Writable } {
  const lines: string[] = []
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      done()
    },
  })
  return { lines, logStream }
}
