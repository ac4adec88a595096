// /metrics in the browser: a parser of Prometheus' text format and a sampler that scrapes at a
// steady pace and turns successive scrapes into rates and quantiles, as PromQL's rate() and
// histogram_quantile() would over the last interval.
import { metricsText } from './api.js';

/** Parses exposition text into Map(name → [{labels, value}]). */
export function parse(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[3] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    }
    const value = m[4] === '+Inf' ? Infinity : Number(m[4]);
    if (!out.has(m[1])) out.set(m[1], []);
    out.get(m[1]).push({ labels, value });
  }
  return out;
}

const match = (labels, want) => Object.entries(want).every(([k, v]) =>
  (typeof v === 'function' ? v(labels[k]) : labels[k] === v));

/** Sum of a metric's series whose labels match `want` (values or predicates); null if absent. */
export function sum(scrape, name, want = {}) {
  const series = scrape.get(name);
  if (!series) return null;
  let total = 0;
  for (const s of series) if (match(s.labels, want)) total += s.value;
  return total;
}

/** The first metric name matching re, or null. */
export function find(scrape, re) {
  for (const name of scrape.keys()) if (re.test(name)) return name;
  return null;
}

/** The APIs that send a message, for messages/s when chatd exports no message counter. */
export const SEND_APIS = new Set(['ws/sendMessage', 'openim/sendmsg', 'openim/batchsendmsg',
  'group_open_http_svc/send_group_msg', 'openim/importmsg', 'group_open_http_svc/import_group_msg']);

/** Per-second increase of a counter between two scrapes (a reset counts from zero). */
export function rate(prev, cur, name, want = {}) {
  const a = sum(prev.data, name, want);
  const b = sum(cur.data, name, want);
  if (a === null || b === null) return null;
  const dt = (cur.at - prev.at) / 1000;
  if (dt <= 0) return null;
  return (b >= a ? b - a : b) / dt;
}

/** The q-quantile (0..1) of the observations a histogram got between two scrapes, by linear
 * interpolation inside the bucket (histogram_quantile's rule); null without observations. */
export function quantile(prev, cur, name, q, want = {}) {
  const buckets = new Map();
  for (const [scrape, sign] of [[cur.data, 1], [prev.data, -1]]) {
    for (const s of scrape.get(`${name}_bucket`) || []) {
      if (!match(s.labels, want)) continue;
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      buckets.set(le, (buckets.get(le) || 0) + sign * s.value);
    }
  }
  const bounds = [...buckets.keys()].sort((x, y) => x - y);
  if (!bounds.length) return null;
  const total = buckets.get(Infinity) ?? buckets.get(bounds[bounds.length - 1]);
  if (!(total > 0)) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = buckets.get(le);
    if (count >= rank) {
      if (le === Infinity) return lower; // beyond the largest bound: report that bound
      return lower + (le - lower) * ((rank - below) / Math.max(count - below, 1e-9));
    }
    lower = le;
    below = count;
  }
  return lower;
}

/** Scrapes /metrics every `everyMs` while someone listens; keeps the last `keep` scrapes. */
export class Sampler {
  constructor(everyMs = 2000, keep = 90) {
    this.everyMs = everyMs;
    this.keep = keep;
    this.samples = [];
    this.listeners = new Set();
    this.timer = null;
    this.error = null;
  }

  subscribe(fn) {
    this.listeners.add(fn);
    if (!this.timer) {
      this.tick();
      this.timer = setInterval(() => this.tick(), this.everyMs);
    } else if (this.samples.length) {
      fn(this);
    }
    return () => {
      this.listeners.delete(fn);
      if (!this.listeners.size) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  async tick() {
    try {
      const text = await metricsText();
      this.samples.push({ at: performance.now(), data: parse(text) });
      if (this.samples.length > this.keep) this.samples.shift();
      this.error = null;
    } catch (e) {
      this.error = e;
    }
    for (const fn of this.listeners) fn(this);
  }

  latest() {
    return this.samples[this.samples.length - 1] || null;
  }

  /** fn(prev, cur) over each pair of successive scrapes: a series for a chart. */
  series(fn) {
    const out = [];
    for (let i = 1; i < this.samples.length; i++) {
      const v = fn(this.samples[i - 1], this.samples[i]);
      out.push({ at: this.samples[i].at, v: v === null || Number.isNaN(v) ? null : v });
    }
    return out;
  }

  /** fn(scrape) over each scrape: a gauge's series. */
  gauge(fn) {
    return this.samples.map((s) => ({ at: s.at, v: fn(s.data) }));
  }
}

export const sampler = new Sampler();

/** Messages sent per second between two scrapes: chatd's message counter when it exports one,
 * else the successful calls of the send APIs. */
export function messageRate(prev, cur) {
  const name = find(cur.data, /^chatd_messages?(_sent)?_total$/);
  if (name) return rate(prev, cur, name);
  return rate(prev, cur, 'chatd_requests_total', { api: (a) => SEND_APIS.has(a), code: '0' });
}

/** Logins per second, when chatd exports a login counter; null otherwise. */
export function loginRate(prev, cur) {
  const name = find(cur.data, /^chatd_(ws_)?logins?_total$/);
  if (!name) return null;
  const labels = (cur.data.get(name)[0] || {}).labels || {};
  const want = 'outcome' in labels ? { outcome: (o) => o === 'ok' || o === 'success' } : {};
  return rate(prev, cur, name, want);
}
