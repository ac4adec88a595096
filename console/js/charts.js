// Charts as hand-written SVG: a smooth area chart with a soft gradient, a segmented bar and a
// ring. They scale with their box (viewBox); line colours are given as values (SVG presentation
// attributes take no CSS variables), the rest is styled in style.css.
import { s } from './ui.js';

let ids = 0;

/** Points [{at, v}] (v may be null: a gap) as a smooth area chart. opts: color (CSS colour),
 * format (value → label), min/max (y range; max defaults to the data's, at least `floor`). */
export function areaChart(points, opts = {}) {
  const W = 300;
  const H = 90;
  const pad = 4;
  const color = opts.color || '#5b8cff';
  const values = points.map((p) => p.v).filter((v) => v !== null && Number.isFinite(v));
  const top = Math.max(opts.floor ?? 1e-9, ...values, opts.max ?? 0) * 1.15;
  const id = `g${++ids}`;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', preserveAspectRatio: 'none', role: 'img' });
  const defs = s('defs', {},
    s('linearGradient', { id, x1: 0, y1: 0, x2: 0, y2: 1 },
      s('stop', { offset: '0%', 'stop-color': color, 'stop-opacity': 0.35 }),
      s('stop', { offset: '100%', 'stop-color': color, 'stop-opacity': 0 })));
  svg.append(defs);
  for (let i = 1; i <= 3; i++) {
    svg.append(s('line', { x1: 0, x2: W, y1: (H * i) / 4, y2: (H * i) / 4, class: 'grid' }));
  }
  if (points.length < 2 || !values.length) {
    svg.append(s('text', { x: W / 2, y: H / 2 + 4, 'text-anchor': 'middle', class: 'chart-note' },
      'collecting…'));
    return svg;
  }
  const t0 = points[0].at;
  const span = Math.max(points[points.length - 1].at - t0, 1);
  const xy = (p) => [pad + ((W - 2 * pad) * (p.at - t0)) / span, H - pad - ((H - 2 * pad) * p.v) / top];
  // Runs of defined points, each drawn as a Catmull-Rom spline turned into cubic Béziers.
  const runs = [];
  let run = [];
  for (const p of points) {
    if (p.v === null || !Number.isFinite(p.v)) {
      if (run.length) runs.push(run);
      run = [];
    } else run.push(xy(p));
  }
  if (run.length) runs.push(run);
  for (const r of runs) {
    const line = smooth(r);
    const area = `${line} L${r[r.length - 1][0].toFixed(1)},${H} L${r[0][0].toFixed(1)},${H} Z`;
    svg.append(s('path', { d: area, fill: `url(#${id})`, stroke: 'none' }));
    svg.append(s('path', { d: line, fill: 'none', stroke: color, 'stroke-width': 2,
      'stroke-linejoin': 'round', 'stroke-linecap': 'round', 'vector-effect': 'non-scaling-stroke' }));
  }
  const last = runs[runs.length - 1];
  if (last) {
    const [x, y] = last[last.length - 1];
    svg.append(s('circle', { cx: x, cy: y, r: 3, fill: color, class: 'chart-dot' }));
  }
  return svg;
}

function smooth(pts) {
  if (pts.length === 1) return `M${pts[0][0].toFixed(1)},${pts[0][1].toFixed(1)}`;
  let d = `M${pts[0][0].toFixed(1)},${pts[0][1].toFixed(1)}`;
  for (let i = 0; i < pts.length - 1; i++) {
    const p0 = pts[i - 1] || pts[i];
    const p1 = pts[i];
    const p2 = pts[i + 1];
    const p3 = pts[i + 2] || p2;
    const c1 = [p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6];
    const c2 = [p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6];
    d += ` C${c1.map((v) => v.toFixed(1))} ${c2.map((v) => v.toFixed(1))} ${p2.map((v) => v.toFixed(1))}`;
  }
  return d;
}

/** A horizontal bar split into parts [{value, label, cls}]. */
export function segmentBar(parts) {
  const total = parts.reduce((a, p) => a + Math.max(p.value, 0), 0) || 1;
  const svg = s('svg', { viewBox: '0 0 300 14', class: 'bar', preserveAspectRatio: 'none', role: 'img' });
  svg.append(s('rect', { x: 0, y: 0, width: 300, height: 14, rx: 7, class: 'bar-bg' }));
  let x = 0;
  for (const p of parts) {
    const w = (300 * Math.max(p.value, 0)) / total;
    if (w > 0) svg.append(s('rect', { x, y: 0, width: w, height: 14, class: p.cls }, s('title', {}, `${p.label}: ${p.value}`)));
    x += w;
  }
  return svg;
}

/** A ring showing value/max. */
export function ring(value, max, cls = 'ring-fg') {
  const r = 26;
  const c = 2 * Math.PI * r;
  const frac = max > 0 ? Math.min(Math.max(value / max, 0), 1) : 0;
  // A zero-length dash would still draw its round cap as a dot: no arc at all for 0.
  return s('svg', { viewBox: '0 0 64 64', class: 'ring', role: 'img' },
    s('circle', { cx: 32, cy: 32, r, class: 'ring-bg' }),
    frac > 0 ? s('circle', { cx: 32, cy: 32, r, class: cls, 'stroke-dasharray': `${(c * frac).toFixed(1)} ${c.toFixed(1)}`,
      transform: 'rotate(-90 32 32)' }) : null);
}
