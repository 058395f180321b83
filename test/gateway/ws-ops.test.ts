import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { CmdType, ConvType, ErrorCode } from '../../src/protocol/codes.js';
import { groupText, text } from '../helpers/messages.js';
import { befriend, useHarness } from '../helpers/server.js';

const h = useHarness();

/** The value of one sample line `name{labels} value` (labels as rendered, sorted), or undefined. */
function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /healthz', () => {
  it('answers 200 while the store answers', async () => {
    const server = await h.startServer();

    const health = await server.http.healthz();

    expect(health).toMatchObject({ ok: true, status: 200 });
    expect(health.body).toMatchObject({ code: 0 });
  });
});

describe('GET /metrics', () => {
  it('exposes connections, frames, stored messages, errors and commit latency after some traffic', async () => {
    const { server, users: { alice, bob, carol } } = await h.setup(['alice', 'bob', 'carol']);
    await befriend(alice, bob);
    // Given: two stored SINGLE messages, one GROUP message, a refusal, a malformed frame and a PING
    await alice.client.send(text('bob', 'one'));
    await bob.client.send(text('alice', 'two'));
    await alice.http.groupCreate({ groupId: 'team', type: ConvType.GROUP, name: 'Team', members: ['bob'] });
    await alice.client.send(groupText('team', 'three'));
    await expect(carol.client.send(text('alice', 'no'))).rejects.toMatchObject({ code: ErrorCode.NOT_FRIENDS });
    await carol.client.raw('{not json');
    await carol.client.waitFor(match.error(ErrorCode.BAD_FRAME));
    await carol.client.ping();

    // When
    const metrics = await server.http.metrics();

    // Then
    for (const name of ['im_connections', 'im_frames_in_total', 'im_messages_stored_total', 'im_errors_total', 'im_store_commit_seconds']) {
      expect(metrics).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    expect(sample(metrics, 'im_connections')).toBe(3);
    expect(sample(metrics, 'im_frames_in_total{cmd="SEND"}')).toBe(4);
    expect(sample(metrics, 'im_frames_in_total{cmd="PING"}')).toBe(1);
    expect(sample(metrics, 'im_frames_in_total{cmd="INVALID"}')).toBe(1);
    expect(sample(metrics, 'im_messages_stored_total{conv_type="SINGLE"}')).toBe(2);
    expect(sample(metrics, 'im_messages_stored_total{conv_type="GROUP"}')).toBe(1);
    expect(sample(metrics, `im_errors_total{code="${ErrorCode.NOT_FRIENDS}"}`)).toBe(1);
    expect(sample(metrics, `im_errors_total{code="${ErrorCode.BAD_FRAME}"}`)).toBe(1);
    expect(sample(metrics, 'im_store_commit_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'im_store_commit_seconds_sum')).toBeGreaterThan(0);
    expect(sample(metrics, 'im_store_commit_seconds_bucket{le="+Inf"}')).toBe(sample(metrics, 'im_store_commit_seconds_count'));
  });

  it('counts a new connection in im_connections', async () => {
    const { server, users: { alice } } = await h.setup(['alice']);
    const before = sample(await server.http.metrics(), 'im_connections');

    const phone = await h.connect(server, alice, 'phone');
    await phone.ping();

    expect(before).toBe(1);
    expect(sample(await server.http.metrics(), 'im_connections')).toBe(2);
    expect(sample(await server.http.metrics(), 'im_frames_in_total{cmd="PING"}')).toBe(1);
    expect((await phone.ping()).header.cmd).toBe(CmdType.PONG);
  });

  it('is plain text in the Prometheus exposition format', async () => {
    const server = await h.startServer();

    const res = await server.http.raw('GET', '/metrics');

    expect(res.status).toBe(200);
    expect(res.text.endsWith('\n')).toBe(true);
    for (const line of res.text.trimEnd().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+|[a-z_]+(\{[^}]*\})? \+?Inf)$/);
    }
  });
});

describe('GET /metrics with --metrics-token', () => {
  it('answers only the metrics token (401 / 2001 otherwise), and stays open without one', async () => {
    const guarded = await h.startServer({ metricsToken: 'scrape-secret' });
    const open = await h.startServer();
    const scrape = (base: string, token?: string) =>
      fetch(`${base}/metrics`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

    const anonymous = await scrape(guarded.httpUrl);
    const wrong = await scrape(guarded.httpUrl, 'not-it');
    const admin = await scrape(guarded.httpUrl, guarded.adminToken);
    const right = await scrape(guarded.httpUrl, 'scrape-secret');

    for (const refused of [anonymous, wrong, admin]) {
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { code: number }).code).toBe(ErrorCode.TOKEN_INVALID);
    }
    expect(right.status).toBe(200);
    expect(await right.text()).toMatch(/^im_connections /m);
    expect((await scrape(open.httpUrl)).status).toBe(200);
    // /healthz stays public either way
    expect((await guarded.http.healthz()).status).toBe(200);
  });
});
