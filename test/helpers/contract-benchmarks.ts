// Benchmarks, as contract-openapi.test.ts exercises them: each operation answered with a 2xx and a problem, every
// response held to openapi.yaml by the caller's `call`.
import type { InjectOptions } from 'fastify'
import type { Test } from 'tap'
import { bearer } from './auth.ts'
import { testClock } from './clock.ts'
import { checkRequestBody, type ContractResponse } from './openapi.ts'

type Res = ContractResponse & { json<T = any>(): T }
type Deps = {
  call(t: Test, options: InjectOptions & { method: string; url: string }): Promise<Res>
  expectStatus(t: Test, res: Res, status: number, code?: string): void
  staff: Record<string, string>
  analyst: Record<string, string>
}

export const benchmarkOperations = ['importNormTable', 'listNormTables', 'getNormTable', 'deleteNormTable', 'getPoolingSetting', 'changePoolingSetting', 'getPooledItemAggregates']

export async function benchmarksContract(t: Test, { call, expectStatus, staff, analyst }: Deps) {
  const admin = await bearer({ role: 'admin', agency: 'metro', sub: 'contract-benchmarks-admin' })
  const year = testClock.now().getUTCFullYear() - 1
  const norm = {
    name: 'Contract survey',
    source: { citation: 'Contract Institute, Table 1', url: 'https://example.org/contract' },
    period: { from: `${year}-01-01`, to: `${year}-06-30` },
    items: [{ code: 'pj.dignity', mean: 3.6, scale: { min: 1, max: 5 }, n: 1000, distribution: { '1': 0.1, '2': 0.1, '3': 0.2, '4': 0.3, '5': 0.3 } }],
  }
  t.strictSame(checkRequestBody('POST', '/v1/norm-tables', norm), [], 'the spec accepts the norm table')
  const created = await call(t, { method: 'POST', url: '/v1/norm-tables', headers: analyst, payload: norm })
  expectStatus(t, created, 201)
  const id = created.json().id as string
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/norm-tables', headers: analyst, payload: { ...norm, items: [{ ...norm.items[0], mean: 9 }] } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/norm-tables', headers: staff, payload: norm }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/norm-tables', payload: norm }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/norm-tables?agency=metro' }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/norm-tables' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/norm-tables?agency=nowhere' }), 404, 'AGENCY_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/norm-tables/${id}` }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/norm-tables/00000000-0000-4000-8000-000000000000' }), 404, 'NORM_TABLE_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/insights/community-trust?agency=metro&norm=${id}` }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/insights/community-trust?agency=metro&norm=nope' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/insights/community-trust?agency=metro&contactKind=traffic_stop,none&cycle=month' }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/insights/community-trust?agency=metro&contactKind=parking' }), 400, 'VALIDATION_FAILED')

  expectStatus(t, await call(t, { method: 'GET', url: '/v1/pooling-setting', headers: analyst }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/pooling-setting' }), 401, 'UNAUTHENTICATED')
  t.strictSame(checkRequestBody('PUT', '/v1/pooling-setting', { enabled: true, normTable: id }), [], 'the spec accepts the setting')
  expectStatus(t, await call(t, { method: 'PUT', url: '/v1/pooling-setting', headers: admin, payload: { enabled: true, normTable: id } }), 200)
  expectStatus(t, await call(t, { method: 'PUT', url: '/v1/pooling-setting', headers: analyst, payload: { enabled: true } }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'PUT', url: '/v1/pooling-setting', headers: admin, payload: {} }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/pooled/item-aggregates?item=pj.dignity,pj.trust&cycle=month' }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/pooled/item-aggregates' }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/pooled/item-aggregates?item=pj.nope' }), 400, 'VALIDATION_FAILED')

  expectStatus(t, await call(t, { method: 'DELETE', url: `/v1/norm-tables/${id}`, headers: staff }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'DELETE', url: `/v1/norm-tables/${id}`, headers: admin }), 204)
  expectStatus(t, await call(t, { method: 'DELETE', url: `/v1/norm-tables/${id}`, headers: admin }), 404, 'NORM_TABLE_NOT_FOUND')
}
