// The console's /metrics arithmetic (console/js/metrics.js) on fixed scrapes: parsing,
// counter rates (with a reset), histogram quantiles as histogram_quantile() computes them, and
// messages/s from either source. Pure: no daemon, no browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loginRate, messageRate, parse, quantile, rate, sum } from '../js/metrics.js';

const scrape = (at, text) => ({ at, data: parse(text) });

test('parse reads names, labels (escaped) and values, and skips comments', () => {
  const d = parse([
    '# HELP x y', '# TYPE x counter',
    'chatd_requests_total{api="ws/sendMessage",code="0"} 5',
    'chatd_requests_total{api="a\\"b",code="70402"} 2',
    'chatd_ws_connections 3', 'chatd_request_seconds_bucket{api="x",le="+Inf"} 7', '',
  ].join('\n'));
  assert.equal(sum(d, 'chatd_requests_total'), 7);
  assert.equal(sum(d, 'chatd_requests_total', { api: 'a"b' }), 2);
  assert.equal(sum(d, 'chatd_ws_connections'), 3);
  assert.equal(sum(d, 'chatd_nope'), null);
  assert.equal(d.get('chatd_request_seconds_bucket')[0].labels.le, '+Inf');
});

test('rate is the increase per second; a counter that went down restarted from zero', () => {
  const a = scrape(0, 'c_total 10');
  const b = scrape(2000, 'c_total 30');
  const c = scrape(4000, 'c_total 4');
  assert.equal(rate(a, b, 'c_total'), 10);
  assert.equal(rate(b, c, 'c_total'), 2);
  assert.equal(rate(a, b, 'missing_total'), null);
  assert.equal(rate(a, a, 'c_total'), null);
});

test('quantile interpolates inside the bucket of the observations between two scrapes', () => {
  const h = (n1, n2, n3, inf) => [
    `h_bucket{le="0.01"} ${n1}`, `h_bucket{le="0.1"} ${n2}`, `h_bucket{le="1"} ${n3}`, `h_bucket{le="+Inf"} ${inf}`,
  ].join('\n');
  const a = scrape(0, h(100, 100, 100, 100));
  // 100 new observations: 50 under 10 ms, 40 in (10 ms, 100 ms], 10 in (100 ms, 1 s].
  const b = scrape(2000, h(150, 190, 200, 200));
  assert.equal(quantile(a, b, 'h', 0.5), 0.01);
  assert.ok(Math.abs(quantile(a, b, 'h', 0.9) - 0.1) < 1e-9);
  assert.ok(Math.abs(quantile(a, b, 'h', 0.99) - (0.1 + 0.9 * 0.9)) < 1e-9);
  assert.equal(quantile(a, a, 'h', 0.99), null); // nothing observed
  const c = scrape(4000, h(150, 190, 200, 210)); // beyond the largest bound: that bound
  assert.equal(quantile(b, c, 'h', 0.99), 1);
});

test('messages/s: the message counter when exported, else the send APIs that succeeded', () => {
  const req = (n, bad) => `chatd_requests_total{api="ws/sendMessage",code="0"} ${n}\n` +
    `chatd_requests_total{api="ws/sendMessage",code="20003"} ${bad}\n` +
    `chatd_requests_total{api="openim/querystate",code="0"} ${n * 10}`;
  assert.equal(messageRate(scrape(0, req(0, 0)), scrape(1000, req(5, 9))), 5);
  const both = (n) => `${req(n, 0)}\nchatd_messages_total ${n * 3}`;
  assert.equal(messageRate(scrape(0, both(0)), scrape(1000, both(2))), 6);
  assert.equal(loginRate(scrape(0, req(0, 0)), scrape(1000, req(1, 0))), null);
  const logins = (ok, bad) => `chatd_ws_logins_total{outcome="ok"} ${ok}\nchatd_ws_logins_total{outcome="failed"} ${bad}`;
  assert.equal(loginRate(scrape(0, logins(0, 0)), scrape(2000, logins(8, 4))), 4);
});
