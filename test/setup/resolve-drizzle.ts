// Loaded into every test process (.taprc node-arg). Node resolves a relative import by first reading the scope's
// package.json for the file's format, and drizzle-orm's is 179 KB (an exports entry per file): its ~500 imports cost
// each test file 0.25–0.3 s of its start (farm-bench, 8 files). They are resolved here instead: drizzle-orm is an ES module package ("type":
// "module", one package.json), so a relative .js import inside it is that file, as a module.
import { registerHooks } from 'node:module'

const DRIZZLE = '/node_modules/drizzle-orm/'

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (context.parentURL?.includes(DRIZZLE) && /^\.\.?\//.test(specifier) && specifier.endsWith('.js'))
      return { url: new URL(specifier, context.parentURL).href, format: 'module', shortCircuit: true }
    return nextResolve(specifier, context)
  },
})
