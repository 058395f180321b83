import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/logger.js';
import { ADMIN_TOKEN, ApiHarness, TOKEN_TTL_MS } from './http-harness.js';

let api: ApiHarness;
let alice: string;

beforeAll(async () => {
  api = await ApiHarness.start();
  alice = await api.user('alice');
});
afterAll(() => api.close());

/** Sends a body over a raw socket, so tests control Content-Length and chunking. */
function rawPost(path: string, chunks: Buffer[], headers: Record<string, string | number> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.base}${path}`, { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('envelope and routing', () => {
  it('wraps a success as {code:0, msg:"ok", data}', async () => {
    const res = await api.request('/openapi/v1/friend/list', { headers: { authorization: `Bearer ${alice}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res).toMatchObject({ code: 0, msg: 'ok', data: { friends: [], pendingIn: [], pendingOut: [] } });
  });

  it('answers an unknown path with 404 and code 1001', async () => {
    const res = await api.get('/no/such/thing', {}, { token: alice });
    expect([res.status, res.code]).toEqual([404, 1001]);
    expect(res.data).toBeUndefined();
  });

  it('matches paths exactly: a trailing slash or a path outside /openapi/v1 is unknown', async () => {
    expect((await api.request('/openapi/v1/friend/list/', {})).status).toBe(404);
    expect((await api.request('/friend/list', {})).status).toBe(404);
  });

  it('answers a wrong method on a known path with 405, code 1001 and an Allow header', async () => {
    const res = await api.get('/user/register');
    expect([res.status, res.code]).toEqual([405, 1001]);
    expect(res.headers.get('allow')).toBe('POST');
    const post = await api.post('/friend/list', {}, { token: alice });
    expect([post.status, post.code]).toEqual([405, 1001]);
  });

  it('counts refusals in im_errors_total by code', async () => {
    const before = api.metrics.errors.get({ code: 1001 });
    await api.get('/nope');
    expect(api.metrics.errors.get({ code: 1001 })).toBe(before + 1);
  });
});

describe('request bodies', () => {
  it('refuses a body that is not JSON with 400 / 1000', async () => {
    const res = await api.post('/user/register', undefined, { raw: '{"userId": "bob",' });
    expect([res.status, res.code]).toEqual([400, 1000]);
  });

  it('refuses an empty body and a JSON body that is not an object with 400 / 1000', async () => {
    expect((await api.post('/user/register', undefined, { raw: '' })).code).toBe(1000);
    expect((await api.post('/user/register', [1, 2])).code).toBe(1000);
    expect((await api.post('/user/register', null)).code).toBe(1000);
  });

  it('refuses a wrong field type with 400 / 1000', async () => {
    const res = await api.post('/user/settings', { allowStrangers: 'yes' }, { token: alice });
    expect([res.status, res.code]).toEqual([400, 1000]);
  });

  it('refuses a body over 1 MiB with 413 / 1002 when Content-Length announces it', async () => {
    const big = JSON.stringify({ userId: 'big', password: 'x'.repeat(1024 * 1024) });
    const res = await api.post('/user/register', undefined, { raw: big });
    expect([res.status, res.code]).toEqual([413, 1002]);
    expect((await api.get('/user/profile', { userId: 'big' }, { token: alice })).code).toBe(3009);
  });

  it('refuses a chunked body that grows over 1 MiB with 413 / 1002', async () => {
    const chunk = Buffer.alloc(256 * 1024, 'a');
    const res = await rawPost('/openapi/v1/user/register', [Buffer.from('{"userId":"x","password":"'), chunk, chunk, chunk, chunk, chunk], {
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 1002 });
  });

  it('accepts a body of exactly 1 MiB', async () => {
    const prefix = '{"allowStrangers":true,"pad":"';
    const body = prefix + 'p'.repeat(1024 * 1024 - prefix.length - 2) + '"}';
    expect(Buffer.byteLength(body)).toBe(1024 * 1024);
    const res = await api.post('/user/settings', undefined, { raw: body, token: alice });
    expect([res.status, res.code]).toEqual([200, 0]);
  });

  it('keeps serving on the same server after refusing an oversize body', async () => {
    await api.post('/user/register', undefined, { raw: 'x'.repeat(2 * 1024 * 1024) });
    expect((await api.get('/friend/list', {}, { token: alice })).code).toBe(0);
  });
});

describe('authentication', () => {
  it('refuses a missing token with 401 / 2001', async () => {
    const res = await api.get('/friend/list');
    expect([res.status, res.code]).toEqual([401, 2001]);
  });

  it('refuses a forged or malformed token with 401 / 2001', async () => {
    const [body] = alice.split('.');
    for (const token of [`${body}.forged`, 'garbage', `${alice}x`]) {
      const res = await api.get('/friend/list', {}, { token });
      expect([res.status, res.code]).toEqual([401, 2001]);
    }
    const basic = await api.request('/openapi/v1/friend/list', { headers: { authorization: `Basic ${alice}` } });
    expect([basic.status, basic.code]).toEqual([401, 2001]);
  });

  it('refuses an expired token with 401 / 2002', async () => {
    const local = await ApiHarness.start();
    try {
      const token = await local.user('carol');
      expect((await local.get('/friend/list', {}, { token })).code).toBe(0);
      local.advanceClock(TOKEN_TTL_MS + 1);
      const res = await local.get('/friend/list', {}, { token });
      expect([res.status, res.code]).toEqual([401, 2002]);
    } finally {
      await local.close();
    }
  });

  it('does not accept the admin token as a user token', async () => {
    const res = await api.get('/friend/list', {}, { token: ADMIN_TOKEN });
    expect([res.status, res.code]).toEqual([401, 2001]);
  });

  it('checks the token before reading the body', async () => {
    const res = await api.post('/user/settings', undefined, { raw: 'not json' });
    expect([res.status, res.code]).toEqual([401, 2001]);
  });
});

describe('GET /healthz and GET /metrics', () => {
  it('reports ok with the node id while the store answers', async () => {
    const res = await api.request('/healthz', {});
    expect(res.status).toBe(200);
    expect(res).toMatchObject({ code: 0, msg: 'ok', data: { status: 'ok', nodeId: 0 } });
  });

  it('answers 503 / 5001 when the store does not', async () => {
    const local = await ApiHarness.start();
    try {
      await local.store.close();
      const res = await local.request('/healthz', {});
      expect([res.status, res.code]).toEqual([503, 5001]);
    } finally {
      await local.close();
    }
  });

  it("passes on the store's own refusal: a closed store is 503 / 5001 on any endpoint", async () => {
    const local = await ApiHarness.start();
    try {
      const token = await local.user('dave');
      await local.store.close();
      const res = await local.get('/friend/list', {}, { token });
      expect([res.status, res.code]).toEqual([503, 5001]);
    } finally {
      await local.close();
    }
  });

  it('answers an unexpected failure with 500 / 5000, logging the stack and never sending it', async () => {
    const lines: string[] = [];
    const local = await ApiHarness.start({
      logger: createLogger('debug', (l) => lines.push(l)),
      systemSend: () => Promise.reject(new Error('boom in /secret/place')),
    });
    try {
      const res = await local.post('/system/send', { to: 'x', content: { text: 'x' } }, { token: ADMIN_TOKEN });
      expect([res.status, res.code]).toEqual([500, 5000]);
      expect(JSON.stringify(res.msg)).not.toContain('secret');
      expect(lines.filter((l) => l.includes(' error ') && l.includes('/secret/place'))).toHaveLength(1);
      expect(local.metrics.errors.get({ code: 5000 })).toBe(1);
    } finally {
      await local.close();
    }
  });

  it('serves Prometheus text, including the error counter', async () => {
    await api.get('/nope');
    const res = await fetch(`${api.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toMatch(/^im_errors_total\{code="1001"\} \d+$/m);
  });
});
