// Dashboard: the service at a glance, computed in the browser from successive /metrics scrapes
// (every 2 s, the last 3 minutes): messages/s, connections, logins, webhook lag, the PostgreSQL
// pool, p99 latencies.
import { areaChart, ring, segmentBar } from '../charts.js';
import { loginRate, messageRate, quantile, rate, sampler, sum } from '../metrics.js';
import { dur, h, num } from '../ui.js';

const C = { blue: '#5b8cff', teal: '#25c2a0', violet: '#9b6bff', amber: '#f5a524', rose: '#f25f7a', sky: '#38bdf8' };

function tile(id, title, color) {
  return h(`section.tile`, { 'data-testid': `tile-${id}`, 'data-color': color },
    h('div.tile-head', h('h3', title), h('span.tile-value', { 'data-testid': `value-${id}` }, '—')),
    h('div.tile-sub', { 'data-testid': `sub-${id}` }, ''),
    h('div.tile-chart'));
}

function set(root, id, value, sub, chart, title) {
  const t = root.querySelector(`[data-testid=tile-${id}]`);
  if (title) t.querySelector('h3').textContent = title;
  t.querySelector('.tile-value').textContent = value;
  t.querySelector('.tile-sub').replaceChildren(...[].concat(sub ?? []));
  if (chart) t.querySelector('.tile-chart').replaceChildren(chart);
}

export function render(main) {
  const grid = h('div.tiles',
    tile('messages', 'Messages / s', C.blue),
    tile('connections', 'Connections', C.teal),
    tile('logins', 'Logins / s', C.violet),
    tile('webhooks', 'Webhook lag', C.amber),
    tile('db', 'PostgreSQL pool', C.sky),
    tile('latency', 'p99 latency', C.rose),
    tile('requests', 'Requests / s', C.blue),
    tile('errors', 'Errors / s', C.rose));
  const status = h('span.muted', { 'data-testid': 'scrape-status' }, 'scraping /metrics…');
  main.append(h('header.page-head', h('h1', 'Dashboard'), status), grid);

  const update = (smp) => {
    const cur = smp.latest();
    if (smp.error) status.textContent = `/metrics: ${smp.error.message}`;
    if (!cur) return;
    const build = sum(cur.data, 'chatd_build_info') !== null
      ? (cur.data.get('chatd_build_info')[0] || {}).labels : null;
    if (!smp.error) {
      status.textContent = `${build ? `chatd ${build.version} (${build.revision}) · ` : ''}` +
        `${smp.samples.length} scrapes, every ${smp.everyMs / 1000} s`;
    }
    const last = (series) => { const p = series[series.length - 1]; return p ? p.v : null; };

    const msgs = smp.series(messageRate);
    const total = msgs.reduce((a, p) => a + (p.v || 0) * (smp.everyMs / 1000), 0);
    set(grid, 'messages', num(last(msgs)), `≈ ${num(Math.round(total))} in the last ${Math.round((msgs.length * smp.everyMs) / 60000) || 1} min`,
      areaChart(msgs, { color: C.blue }));
    grid.querySelector('[data-testid=tile-messages]').dataset.rate = String(last(msgs) ?? '');

    const conns = smp.gauge((d) => sum(d, 'chatd_ws_connections'));
    const sessions = sum(cur.data, 'chatd_ws_sessions');
    set(grid, 'connections', num(last(conns)), `${num(sessions)} logged-in sessions`, areaChart(conns, { color: C.teal }));

    const logins = smp.series(loginRate);
    const haveLogins = logins.some((p) => p.v !== null);
    if (haveLogins) set(grid, 'logins', num(last(logins)), 'WebSocket logins', areaChart(logins, { color: C.violet }));
    else {
      const ses = smp.gauge((d) => sum(d, 'chatd_ws_sessions'));
      set(grid, 'logins', num(sessions), 'logged in now (chatd exports no login counter)', areaChart(ses, { color: C.violet }), 'Sessions');
    }

    const pending = sum(cur.data, 'chatd_webhook_pending');
    const dead = sum(cur.data, 'chatd_webhook_dead');
    const ageName = [...cur.data.keys()].find((n) => /^chatd_webhook_.*age_seconds$/.test(n));
    const age = ageName ? sum(cur.data, ageName) : null;
    const lag = smp.gauge((d) => sum(d, 'chatd_webhook_pending'));
    set(grid, 'webhooks', pending === null ? 'off' : `${num(pending)} queued`,
      [age !== null ? `oldest ${dur(age)} · ` : '', h(dead > 0 ? 'b.bad' : 'span', `${num(dead)} dead`)],
      areaChart(lag, { color: C.amber }));

    const busy = sum(cur.data, 'chatd_db_connections', { state: 'busy' }) || 0;
    const idle = sum(cur.data, 'chatd_db_connections', { state: 'idle' }) || 0;
    const down = sum(cur.data, 'chatd_db_connections', { state: 'down' }) || 0;
    const waiting = sum(cur.data, 'chatd_db_waiting') || 0;
    const pool = h('div.pool', ring(busy, busy + idle + down, down ? 'ring-bad' : 'ring-fg'),
      h('div.pool-legend',
        segmentBar([{ value: busy, label: 'busy', cls: 'seg-busy' }, { value: idle, label: 'idle', cls: 'seg-idle' },
          { value: down, label: 'down', cls: 'seg-down' }]),
        h('div.legend', h('i.dot.seg-busy'), `${busy} busy`, h('i.dot.seg-idle'), `${idle} idle`,
          h('i.dot.seg-down'), `${down} down`)));
    set(grid, 'db', `${busy + idle} up`, `of ${busy + idle + down} connections · ${num(waiting)} batches waiting`, pool);

    const p99 = smp.series((a, b) => quantile(a, b, 'chatd_request_seconds', 0.99));
    const send99 = last(smp.series((a, b) => quantile(a, b, 'chatd_request_seconds', 0.99, { api: 'ws/sendMessage' })));
    set(grid, 'latency', dur(last(p99)), `sendMessage p99 ${dur(send99)}`, areaChart(p99, { color: C.rose }));

    const reqs = smp.series((a, b) => rate(a, b, 'chatd_requests_total'));
    set(grid, 'requests', num(last(reqs)), 'REST calls and WebSocket commands', areaChart(reqs, { color: C.blue }));
    const errs = smp.series((a, b) => rate(a, b, 'chatd_requests_total', { code: (c) => c !== '0' }));
    set(grid, 'errors', num(last(errs)), 'answers with an ErrorCode', areaChart(errs, { color: C.rose }));
  };
  return sampler.subscribe(update);
}
