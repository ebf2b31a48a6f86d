// Processes a test started die with the test process however it ends: normal exit, an uncaught error, SIGTERM, or
// tap's timeout (SIGALRM), where no teardown runs. Each kill is synchronous: nothing asynchronous runs after 'exit'.
const kills = new Set<() => void>()
let installed = false

/** Runs `kill` if the test process ends before `forget` (the returned function) is called. */
export function killOnExit(kill: () => void): () => void {
  if (!installed) {
    installed = true
    process.once('exit', killAll)
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGALRM'] as const)
      // Kill ours, then raise the signal again: with this listener gone, tap's handler (or the default) ends the process.
      process.once(signal, () => {
        killAll()
        process.kill(process.pid, signal)
      })
  }
  kills.add(kill)
  return () => void kills.delete(kill)
}

function killAll() {
  for (const kill of kills) {
    try {
      kill()
    } catch {
      // Already gone: nothing to do.
    }
  }
  kills.clear()
}
