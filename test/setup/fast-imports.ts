// Loaded into every test process (.taprc node-arg), after tap's own hooks, so these run before theirs.
//
// Resolving: relative imports resolved fast. Node resolves a relative import by first reading the scope's package.json
// for the file's format, and drizzle-orm's is 179 KB (an exports entry per file): its ~500 imports cost each test file
// 0.25–0.3 s of its start (farm-bench, 8 files). They are resolved here instead: drizzle-orm is an ES module package
// ("type": "module", one package.json), so a relative .js import inside it is that file, as a module. The project's own
// relative .ts imports are resolved the same way (it too is "type": "module"): about 200 files, each a lookup less.
//
// Loading: tap's processinfo reads every module a test loads a second time and measures its lines, for coverage;
// node_modules are never covered, so their files are read here and handed to Node as they are (0.18–0.2 s less of every
// test file's start). The project's files still pass through it, so coverage and `tap --changed` see them.
import { readFileSync } from 'node:fs'
import { registerHooks } from 'node:module'
import { fileURLToPath } from 'node:url'

const DRIZZLE = '/node_modules/drizzle-orm/'
const PROJECT = new URL('../../', import.meta.url).href
const RELATIVE = /^\.\.?\//
/** The formats the resolve step names that Node reads as text (addons, wasm and builtins are left to it). */
const SOURCE_FORMATS = new Set(['module', 'commonjs', 'json'])

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
  load(url, context, nextLoad) {
    if (url.startsWith('file://') && url.includes('/node_modules/') && SOURCE_FORMATS.has(context.format as string))
      return { format: context.format, source: readFileSync(fileURLToPath(url)), shortCircuit: true }
    return nextLoad(url, context)
  },
})
