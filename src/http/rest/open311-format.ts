// Open311 GeoReport v2 replies as JSON or XML (the spec's element names), XML built with fast-xml-parser's builder.
import { XMLBuilder } from 'fast-xml-parser'
import type { Open311Created, Open311Discovery, Open311Request, Open311Service, Open311ServiceDefinition } from '../../modules/open311/open311-service.ts'

export type Open311Format = 'json' | 'xml'
export const open311Formats: readonly Open311Format[] = ['json', 'xml']
export const open311ContentTypes: Record<Open311Format, string> = { json: 'application/json; charset=utf-8', xml: 'text/xml; charset=utf-8' }

export type Open311Error = { code: number; description: string }

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: false, processEntities: true })

// XML 1.0 cannot carry most control characters, even escaped: they are dropped from text.
const xmlUnsafe = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g

/** Element values: text as text, null as an empty element, booleans and numbers as their JSON spelling. */
function xmlValue(value: unknown): unknown {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value.replace(xmlUnsafe, '')
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return value.map(xmlValue)
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, xmlValue(v)]))
}

/** A document with the XML declaration the spec requires (UTF-8) and one root element. */
function xml(root: string, content: unknown): string {
  return builder.build({ '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' }, [root]: xmlValue(content) }) as string
}

/** Each reply as JSON (the spec's arrays and objects) and as XML (root element, one child element per item). */
export const open311Documents = {
  discovery: (d: Open311Discovery) => ({
    json: d,
    xml: () => xml('discovery', { ...d, endpoints: { endpoint: d.endpoints.map((e) => ({ ...e, formats: { format: e.formats } })) } }),
  }),
  services: (list: Open311Service[]) => ({ json: list, xml: () => xml('services', { service: list }) }),
  serviceDefinition: (d: Open311ServiceDefinition) => ({ json: d, xml: () => xml('service_definition', { service_code: d.service_code, attributes: '' }) }),
  requests: (list: Open311Request[]) => ({ json: list, xml: () => xml('service_requests', { request: list }) }),
  created: (list: Open311Created[]) => ({ json: list, xml: () => xml('service_requests', { request: list }) }),
  errors: (list: Open311Error[]) => ({ json: list, xml: () => xml('errors', { error: list }) }),
}

export function render(format: Open311Format, doc: { json: unknown; xml: () => string }): string {
  return format === 'xml' ? doc.xml() : JSON.stringify(doc.json)
}
