// Loaded into every test process (.taprc node-arg): relative imports resolved fast. Node resolves a relative import by
// first reading the scope's package.json for the file's format, and drizzle-orm's is 179 KB (an exports entry per file):
// its ~500 imports cost each test file 0.25–0.3 s of its start (farm-bench, 8 files). They are resolved here instead:
// drizzle-orm is an ES module package ("type": "module", one package.json), so a relative .js import inside it is that
// file, as a module. The project's own relative
// .ts imports are resolved the same way (it too is "type": "module"): about 200 files, each a package.json lookup less.
import { registerHooks } from 'node:module'

const DRIZZLE = '/node_modules/drizzle-orm/'
const PROJECT = new URL('../../', import.meta.url).href
const RELATIVE = /^\.\.?\//

registerHooks({
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL
    if (parent && RELATIVE.test(specifier)) {
      if (parent.includes(DRIZZLE) && specifier.endsWith('.js')) return { url: new URL(specifier, parent).href, format: 'module', shortCircuit: true }
      if (parent.startsWith(PROJECT) && !parent.includes('/node_modules/') && specifier.endsWith('.ts'))
        return { url: new URL(specifier, parent).href, format: 'module-typescript', shortCircuit: true }
    }
    return nextResolve(specifier, context)
  },
})
