import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { Access, ACCESS, DEFAULT_ACCESS } from '../../apps/api/src/auth/auth.decorators';
import { issueTenantKey } from '../../apps/api/src/auth/api-keys';
import { MAX_PAGE_SIZE } from '../../apps/api/src/http/validators';
import { rateLimitFrom } from '@punchcard/platform';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * The limits around every request (issue 5): rate limiting per credential (429 + Retry-After),
 * security headers, body size, page size, operator vs tenant routes, unknown routes.
 */

let t: TestApp; // no rate limit: the walks below send many requests with one key
let a: TenantSession;
const fx = { clientId: '', offeringId: '', packageId: '' };

function expectProblem(res: Response, status: number, code: string) {
  expect({ status: res.status, contentType: res.headers['content-type'], code: res.body?.code, detail: typeof res.body?.detail }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/problem\+json/),
    code,
    detail: 'string',
  });
}

async function fingerprint(app: TestApp) {
  const { rows } = await app.db.pool.query(
    'SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM clients) AS clients, (SELECT count(*)::int FROM tenants) AS tenants',
  );
  return rows[0];
}

beforeAll(async () => {
  t = await createTestApp();
  a = await t.newTenant();
  fx.clientId = await a.createClient();
  fx.offeringId = await a.createOffering();
  fx.packageId = (await a.sellPackage(fx.offeringId, fx.clientId)).id;
});

afterAll(async () => {
  await t?.close();
});

describe('rate limiting per credential', () => {
  const LIMIT = 5;
  let limited: TestApp;
  let tenant: TenantSession;

  /** Another key of the tenant, as provisioning stores one (the test must not spend the budget it measures). */
  async function addKey(app: TestApp, tenantId: string, role: string): Promise<{ Authorization: string }> {
    const key = issueTenantKey();
    await app.db.pool.query('INSERT INTO api_keys (id, tenant_id, role, secret_hash) VALUES ($1, $2, $3, $4)', [key.id, tenantId, role, key.hash]);
    return { Authorization: `Bearer ${key.key}` };
  }

  beforeAll(async () => {
    limited = await createTestApp({ rateLimitPerMinute: LIMIT, runProjections: false });
    tenant = await limited.newTenant();
  });

  afterAll(async () => {
    await limited?.close();
  });

  it(`answers 429 rate_limited with Retry-After once a key has sent ${LIMIT} requests in a minute, on any route; another key of the tenant is unaffected`, async () => {
    const first = await addKey(limited, tenant.tenantId, 'staff');
    const second = await addKey(limited, tenant.tenantId, 'staff');

    // One budget per key across routes, not one per route.
    const paths = ['/v1/clients', '/v1/offerings', '/v1/packages', '/v1/clients', '/v1/bookings'];
    const remaining: string[] = [];
    for (const path of paths) {
      const res = await limited.http.get(path).set(first).expect(200);
      expect(res.headers['x-ratelimit-limit']).toBe(String(LIMIT));
      remaining.push(res.headers['x-ratelimit-remaining']);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);

    const before = await fingerprint(limited);
    for (const res of [
      await limited.http.get('/v1/clients').set(first),
      await limited.http.get('/v1/offerings').set(first),
      await limited.http.post('/v1/clients').set(first).send({ name: 'Over Budget', email: 'over@example.com' }),
    ]) {
      expectProblem(res, 429, 'rate_limited');
      expect(res.body.detail).toMatch(/at most 5 per minute/);
      const retryAfter = Number(res.headers['retry-after']);
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    }
    expect(await fingerprint(limited)).toEqual(before); // the refused POST wrote nothing

    // The same tenant's other key has its own budget.
    const other = await limited.http.get('/v1/clients').set(second).expect(200);
    expect(other.headers['x-ratelimit-remaining']).toBe(String(LIMIT - 1));
  });

  it('gives a client one budget, however many tokens were minted for them', async () => {
    const clientId = await tenant.createClient();
    const mint = async () => (await limited.http.post(`/v1/clients/${clientId}/tokens`).set(tenant.auth).send({}).expect(201)).body.token as string;
    const [firstToken, secondToken] = [await mint(), await mint()];
    for (const token of [firstToken, secondToken, firstToken, secondToken, firstToken]) {
      await limited.http.get('/v1/me/packages').set('Authorization', `Bearer ${token}`).expect(200);
    }
    expectProblem(await limited.http.get('/v1/me/packages').set('Authorization', `Bearer ${secondToken}`), 429, 'rate_limited');
  });

  it('does not limit the health check', async () => {
    for (let i = 0; i < LIMIT * 3; i++) {
      const res = await limited.http.get('/health');
      expect(res.status).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });

  it('charges the operator key on its own', async () => {
    // newTenant in beforeAll spent one request of the operator's budget.
    const res = await limited.http.post('/v1/tenants').set('Authorization', `Bearer ${limited.operatorKey}`).send({ name: 'Second', timezone: 'UTC', currency: 'USD' }).expect(201);
    expect(res.headers['x-ratelimit-remaining']).toBe(String(LIMIT - 2));
  });

  it('reads PUNCHCARD_RATE_LIMIT_PER_MINUTE: a default of 600, 0 or "off" to disable, anything else refused', () => {
    expect(rateLimitFrom(undefined)).toBe(600);
    expect(rateLimitFrom('')).toBe(600);
    expect(rateLimitFrom('120')).toBe(120);
    expect(rateLimitFrom('0')).toBe(0);
    expect(rateLimitFrom('off')).toBe(0);
    for (const bad of ['-1', '1.5', 'many', '10/s']) expect(() => rateLimitFrom(bad)).toThrow(/PUNCHCARD_RATE_LIMIT_PER_MINUTE/);
  });
});

describe('security headers', () => {
  function expectSecurityHeaders(res: Response) {
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  }

  it('are on API responses, with a CSP that allows nothing and Cache-Control: no-store', async () => {
    for (const res of [
      await t.http.get('/v1/clients').set(a.auth).expect(200),
      await t.http.get(`/v1/packages/${fx.packageId}`).set(a.auth).expect(200),
      await t.http.post('/v1/clients').set(a.auth).send({ name: 'Headers', email: 'headers@example.com' }).expect(201),
      await t.http.get('/health').expect(200),
    ]) {
      expectSecurityHeaders(res);
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('are on error responses too', async () => {
    for (const res of [
      await t.http.get('/v1/clients'), // 401
      await t.http.get('/v1/nothing-here').set(a.auth), // 404
      await t.http.post('/v1/clients').set(a.auth).set('Content-Type', 'application/json').send('{"name": '), // 400 from the body parser
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expectSecurityHeaders(res);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('keep the Swagger UI at /docs working: the page, its assets and the document load, and the page has no inline script', async () => {
    const page = await t.http.get('/docs').redirects(1);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expectSecurityHeaders(page);
    const csp: string = page.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    // script-src 'self' runs only scripts loaded from files.
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

    const base = new URL(page.request.url);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, ref]) => new URL(ref, base).pathname);
    expect(assets).toEqual(expect.arrayContaining(['/docs/swagger-ui-bundle.js', '/docs/swagger-ui-init.js', '/docs/swagger-ui.css']));
    for (const asset of assets) {
      const res = await t.http.get(asset);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
    }
    const document = await t.http.get('/docs-json').expect(200);
    expect(document.body.openapi).toMatch(/^3\./);
  });
});

describe('request bodies', () => {
  it('answers 413 payload_too_large for a body over 100kb, and writes nothing', async () => {
    const before = await fingerprint(t);
    const res = await t.http.post('/v1/clients').set(a.auth).send({ name: 'Big', email: 'big@example.com', note: 'x'.repeat(101 * 1024) });
    expectProblem(res, 413, 'payload_too_large');
    expect(await fingerprint(t)).toEqual(before);
  });

  it('answers 400 malformed_json for a body that is not JSON, and writes nothing', async () => {
    const before = await fingerprint(t);
    for (const raw of ['{"name": ', '{"name": "x",}', "{'name': 'x'}", '{"name": "x"}}']) {
      expectProblem(await t.http.post('/v1/clients').set(a.auth).set('Content-Type', 'application/json').send(raw), 400, 'malformed_json');
    }
    expect(await fingerprint(t)).toEqual(before);
  });

  it('answers 400 body_too_deep for a body nested thousands deep (not a 500 from a stack overflow), and writes nothing', async () => {
    const before = await fingerprint(t);
    for (const deep of [`${'['.repeat(5000)}${']'.repeat(5000)}`, `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`]) {
      const raw = `{"name":"Deep","email":"deep@example.com","timezone":${deep}}`;
      expectProblem(await t.http.post('/v1/clients').set(a.auth).set('Content-Type', 'application/json').send(raw), 400, 'body_too_deep');
    }
    expect(await fingerprint(t)).toEqual(before);
  });
});

describe('page size', () => {
  type ListRoute = { path: string; limitParameter: { schema?: { maximum?: number } } };
  let listRoutes: ListRoute[];
  /** The tenant's public storefront (published in beforeAll), for `/v1/storefront/{slug}/offerings`. */
  const storefrontSlug = `limits-${Date.now().toString(36)}`;
  /** A webhook endpoint (a public address; nothing is delivered in this test), for `/v1/webhook-endpoints/{id}/deliveries`. */
  let webhookEndpointId = '';

  /** Ids for the path parameters of list routes, by the segment before them (`/v1/packages/{id}/ledger`). */
  const idFor = (segment: string): string => {
    const ids: Record<string, string> = { clients: fx.clientId, offerings: fx.offeringId, packages: fx.packageId, storefront: storefrontSlug, 'webhook-endpoints': webhookEndpointId };
    if (!ids[segment]) throw new Error(`No fixture id for /${segment}/{id}: add one to idFor in this test`);
    return ids[segment];
  };
  const concrete = (path: string) => path.replace(/\/([^/]+)\/\{[^}]+\}/g, (_, segment: string) => `/${segment}/${idFor(segment)}`);

  beforeAll(async () => {
    await t.http.patch('/v1/storefront-settings').set(a.auth).send({ slug: storefrontSlug }).expect(200);
    webhookEndpointId = (await t.http.post('/v1/webhook-endpoints').set(a.auth).send({ url: 'https://93.184.215.14/hooks', events: ['package.purchased'] }).expect(201)).body.id;
    const document = (await t.http.get('/docs-json').expect(200)).body;
    listRoutes = Object.entries<any>(document.paths).flatMap(([path, operations]) => {
      const limitParameter = (operations.get?.parameters ?? []).find((p: any) => p.in === 'query' && p.name === 'limit');
      return limitParameter ? [{ path, limitParameter }] : [];
    });
  });

  it('every list route documents limit with a maximum of 100', () => {
    expect(listRoutes.length).toBeGreaterThanOrEqual(10);
    for (const { path, limitParameter } of listRoutes) expect({ path, maximum: limitParameter.schema?.maximum }).toEqual({ path, maximum: MAX_PAGE_SIZE });
  });

  it('every list route answers limit=101 with 400 validation_failed and limit=100 with 200', async () => {
    // The /v1/me routes are called by the client holding fx.packageId.
    const minted = await t.http.post(`/v1/clients/${fx.clientId}/tokens`).set(a.auth).send({}).expect(201);
    const clientAuth = { Authorization: `Bearer ${minted.body.token}` };
    const clientRoute = (path: string) => path === '/v1/me' || path.startsWith('/v1/me/'); // not /v1/messages
    expect(listRoutes.filter(({ path }) => clientRoute(path)).length).toBeGreaterThanOrEqual(1);
    for (const { path } of listRoutes) {
      const url = concrete(path);
      const auth = clientRoute(path) ? clientAuth : a.auth;
      const tooMany = await t.http.get(url).query({ limit: MAX_PAGE_SIZE + 1 }).set(auth);
      expect({ path, status: tooMany.status, code: tooMany.body.code, fields: tooMany.body.errors?.map((e: any) => e.field) }).toEqual({
        path,
        status: 400,
        code: 'validation_failed',
        fields: ['limit'],
      });
      expect(tooMany.headers['content-type']).toMatch(/^application\/problem\+json/);
      const allowed = await t.http.get(url).query({ limit: MAX_PAGE_SIZE }).set(auth);
      expect({ path, status: allowed.status }).toEqual({ path, status: 200 });
    }
  });
});

describe('operator and tenant routes are separate', () => {
  type Route = { method: 'get' | 'post' | 'patch' | 'put' | 'delete'; path: string; access: Access };

  /** Every route of the running app with the access it declares (undeclared = admin-only). */
  function routes(): Route[] {
    const found: Route[] = [];
    for (const module of t.app.get(ModulesContainer).values()) {
      for (const { metatype } of module.controllers.values()) {
        if (!metatype) continue;
        const base: string = Reflect.getMetadata(PATH_METADATA, metatype) ?? '';
        for (const name of Object.getOwnPropertyNames(metatype.prototype)) {
          const handler = metatype.prototype[name];
          const path: string | undefined = typeof handler === 'function' ? Reflect.getMetadata(PATH_METADATA, handler) : undefined;
          if (name === 'constructor' || path === undefined) continue;
          const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod].toLowerCase() as Route['method'];
          const access: Access = Reflect.getMetadata(ACCESS, handler) ?? Reflect.getMetadata(ACCESS, metatype) ?? DEFAULT_ACCESS;
          const full = `/${[base, path].join('/')}`.replace(/\/+/g, '/').replace(/\/$/, '');
          found.push({ method, path: full.replace(/:[A-Za-z]+/g, () => randomUUID()), access });
        }
      }
    }
    return found;
  }

  it('the operator key gets 403 on every tenant and client route, and changes nothing', async () => {
    const tenantRoutes = routes().filter((r) => r.access.kind === 'tenant' || r.access.kind === 'client');
    expect(tenantRoutes.length).toBeGreaterThan(30);
    const before = await fingerprint(t);
    for (const { method, path } of tenantRoutes) {
      const req = t.http[method](path).set('Authorization', `Bearer ${t.operatorKey}`);
      const res = method === 'get' || method === 'delete' ? await req : await req.send({});
      expect({ route: `${method} ${path}`, status: res.status, code: res.body.code }).toEqual({ route: `${method} ${path}`, status: 403, code: 'forbidden' });
    }
    expect(await fingerprint(t)).toEqual(before);
  });

  it('a tenant admin key gets 403 on every operator route, and changes nothing', async () => {
    const operatorRoutes = routes().filter((r) => r.access.kind === 'operator');
    expect(operatorRoutes.map((r) => `${r.method} ${r.path}`)).toContain('post /v1/tenants');
    const before = await fingerprint(t);
    for (const { method, path } of operatorRoutes) {
      const req = t.http[method](path).set(a.auth);
      const res = method === 'get' || method === 'delete' ? await req : await req.send({ name: 'Sneaky', timezone: 'UTC', currency: 'USD' });
      expect({ route: `${method} ${path}`, status: res.status, code: res.body.code }).toEqual({ route: `${method} ${path}`, status: 403, code: 'forbidden' });
    }
    expect(await fingerprint(t)).toEqual(before);
  });
});

describe('unknown routes', () => {
  it.each([
    ['get', '/v1/nothing-here'],
    ['get', '/nothing-here'],
    ['post', '/v1/packages/x/y/z'],
    ['delete', '/v1/clients'],
    ['put', '/v1/offerings'],
  ] as const)('%s %s is 404 route_not_found problem+json, with or without a key', async (method, path) => {
    expectProblem(await t.http[method](path), 404, 'route_not_found');
    expectProblem(await t.http[method](path).set(a.auth), 404, 'route_not_found');
  });
});
