// Webhooks: where callbacks go and which (chatd_admin/config_get), delivery rate, queue and
// dead events live from /metrics, and the dead list with one-click retry
// (chatd_webhook/list_dead, chatd_webhook/retry_dead).
import { call } from '../api.js';
import { areaChart } from '../charts.js';
import { rate, sampler, sum } from '../metrics.js';
import { attempt, card, dur, empty, h, num } from '../ui.js';

const KEYS = ['webhook_url', 'webhook_commands', 'webhook_timeout_ms', 'webhook_before_fail',
  'webhook_max_in_flight', 'webhook_retry_base_ms', 'webhook_retry_max_ms', 'webhook_max_age_s'];

export function render(main) {
  const settings = h('dl.props', { 'data-testid': 'webhook-settings' });
  const live = h('div.tiles.small');
  const dead = h('tbody', { 'data-testid': 'dead-rows' });
  const more = h('button', { type: 'button', hidden: true }, 'More');
  const retryAll = h('button.primary', { type: 'button', 'data-testid': 'retry-all', disabled: true }, 'Retry all');
  const reload = h('button', { type: 'button', 'data-testid': 'dead-reload' }, 'Refresh');
  main.append(h('header.page-head', h('h1', 'Webhooks')),
    h('div.cols',
      card('Configuration', settings, h('p.muted', 'Change these in config/chatd.conf; they take effect on restart.')),
      card('Live', live)),
    card('Dead events', h('p.muted', 'Events still undelivered after webhook_max_age_s. Retrying makes them due again with a fresh age.'),
      h('div.row', retryAll, reload),
      h('table.list', h('thead', h('tr', h('th', 'Event'), h('th', 'Command'), h('th', 'Order key'), h('th', 'Attempts'), h('th', 'Last error'), h('th', ''))), dead), more));

  (async () => {
    const a = await attempt(() => call('chatd_admin/config_get'));
    if (!a) return;
    const byKey = new Map(a.Config.map((k) => [k.Key, k]));
    settings.replaceChildren(...KEYS.filter((k) => byKey.has(k)).flatMap((k) => {
      const v = byKey.get(k).Value;
      return [h('dt', k), h('dd.mono', { 'data-testid': `setting-${k}` }, v === '' ? (k === 'webhook_url' ? 'off' : '—') : v)];
    }));
  })();

  let after = 0;
  const load = async (reset) => {
    if (reset) { dead.replaceChildren(); after = 0; }
    const a = await attempt(() => call('chatd_webhook/list_dead', { AfterEventId: after, Limit: 100 }));
    if (!a) return;
    for (const e of a.Events) dead.append(deadRow(e));
    if (!dead.children.length) dead.append(h('tr', h('td', { colspan: 6 }, empty('No dead events.'))));
    after = a.NextAfterEventId || after;
    more.hidden = a.Events.length < 100;
    retryAll.disabled = !dead.querySelector('[data-testid=dead-row]');
    dead.dataset.loaded = 'true';
  };
  more.addEventListener('click', () => load(false));
  reload.addEventListener('click', () => load(true));
  retryAll.addEventListener('click', async () => {
    const r = await attempt(() => call('chatd_webhook/retry_dead', { All: 1 }));
    if (r) { load(true); }
  });
  load(true);

  const tile = (id, title, value, sub, chart) => h('section.tile', { 'data-testid': `wh-${id}` },
    h('div.tile-head', h('h3', title), h('span.tile-value', value)), h('div.tile-sub', sub), h('div.tile-chart', chart));
  const update = (smp) => {
    const cur = smp.latest();
    if (!cur) return;
    const ok = smp.series((a, b) => rate(a, b, 'chatd_webhook_deliveries_total', { outcome: 'ok' }));
    const failed = smp.series((a, b) => rate(a, b, 'chatd_webhook_deliveries_total', { outcome: 'failed' }));
    const pending = smp.gauge((d) => sum(d, 'chatd_webhook_pending'));
    const last = (x) => (x.length ? x[x.length - 1].v : null);
    const ageName = [...cur.data.keys()].find((n) => /^chatd_webhook_.*age_seconds$/.test(n));
    const deadNow = sum(cur.data, 'chatd_webhook_dead');
    live.replaceChildren(
      tile('delivered', 'Delivered / s', num(last(ok)), `${num(sum(cur.data, 'chatd_webhook_in_flight'))} in flight`, areaChart(ok, { color: '#25c2a0' })),
      tile('failed', 'Failed / s', num(last(failed)), 'attempts that will be retried', areaChart(failed, { color: '#f25f7a' })),
      tile('queue', 'Queue', num(last(pending)), ageName ? `oldest ${dur(sum(cur.data, ageName))}` : `${num(deadNow)} dead`, areaChart(pending, { color: '#f5a524' })));
  };
  const off = sampler.subscribe(update);
  return off;
}

function deadRow(e) {
  const retry = h('button.small', { type: 'button', 'data-testid': 'retry' }, 'Retry');
  const row = h('tr', { 'data-testid': 'dead-row', 'data-event': e.EventId },
    h('td.mono', e.EventId), h('td', e.CallbackCommand), h('td.mono', e.OrderKey), h('td.num', e.Attempts),
    h('td.bad', e.LastError), h('td', retry));
  retry.addEventListener('click', async () => {
    retry.disabled = true;
    const r = await attempt(() => call('chatd_webhook/retry_dead', { EventIds: [e.EventId] }), `Event ${e.EventId} queued again`);
    if (r && r.EventIds.includes(e.EventId)) {
      row.classList.add('retried');
      row.dataset.retried = 'true';
      retry.textContent = 'Queued';
    } else retry.disabled = false;
  });
  return row;
}
