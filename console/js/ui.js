// Small DOM helpers: element building, toasts, times, confirmations. No framework.

/** h('div.card#x', {attrs}, ...children): an element. Attributes starting with "on" are
 * listeners; `dataset`-style keys are written as attributes (data-testid, …). */
export function h(spec, attrs = {}, ...children) {
  const [, tag = 'div', rest = ''] = /^([a-z0-9]*)(.*)$/i.exec(spec);
  const el = document.createElement(tag || 'div');
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs === null || typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs)) {
    children.unshift(attrs);
    attrs = {};
  }
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** SVG element with attributes. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export function toast(text, kind = 'ok') {
  const t = h(`div.toast.${kind}`, { 'data-testid': 'toast', role: kind === 'error' ? 'alert' : 'status' }, text);
  const box = document.getElementById('toasts');
  box.append(t);
  while (box.children.length > 3) box.firstElementChild.remove();
  setTimeout(() => t.classList.add('leaving'), 4200);
  setTimeout(() => t.remove(), 4700);
}

/** The codes that mean the stored signature no longer works (expired, revoked, not an admin). */
const AUTH_FAILURES = new Set([70001, 70003, 70009, 70013, 70014, 60010, 70403]);

/** Runs an action, toasting its error (an ApiError shows code and info); an error that means
 * the signature stopped working fires `chatd-auth-failed` (the shell signs out). */
export async function attempt(fn, ok) {
  try {
    const r = await fn();
    if (ok) toast(ok);
    return r;
  } catch (e) {
    toast(e.code !== undefined ? `${e.code}: ${e.info}` : String(e.message || e), 'error');
    if (AUTH_FAILURES.has(e.code)) window.dispatchEvent(new CustomEvent('chatd-auth-failed'));
    return undefined;
  }
}

/** A confirmation dialog: resolves true when the operator agrees. */
export function confirmDialog(text, action = 'Confirm') {
  return new Promise((resolve) => {
    const close = (v) => { back.remove(); resolve(v); };
    const back = h('div.modal-back', { 'data-testid': 'confirm' },
      h('div.modal', h('p', text), h('div.row.end',
        h('button', { type: 'button', onclick: () => close(false) }, 'Cancel'),
        h('button.danger', { type: 'button', 'data-testid': 'confirm-ok', onclick: () => close(true) }, action))));
    document.body.append(back);
    back.querySelector('.danger').focus();
  });
}

export function when(seconds) {
  if (!seconds) return '—';
  const d = new Date(seconds * 1000);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** A number for people: 1234 → "1,234", 0.1234 → "0.12". */
export function num(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (Math.abs(v) >= 100 || Number.isInteger(v)) return Math.round(v).toLocaleString('en');
  return v.toFixed(digits);
}

/** Seconds as "12 ms", "1.2 s". */
export function dur(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '—';
  if (seconds < 1) return `${num(seconds * 1000, seconds < 0.01 ? 1 : 0)} ms`;
  if (seconds < 120) return `${num(seconds, 1)} s`;
  return `${num(seconds / 60, 0)} min`;
}

/** The text of a Tencent MsgBody for a list. */
export function bodyText(body) {
  return (body || []).map((e) => {
    const c = e.MsgContent || {};
    switch (e.MsgType) {
      case 'TIMTextElem': return c.Text;
      case 'TIMCustomElem': return `[custom] ${c.Desc || c.Data || ''}`;
      case 'TIMImageElem': return '[image]';
      case 'TIMFileElem': return `[file] ${c.FileName || ''}`;
      case 'TIMSoundElem': return '[voice]';
      case 'TIMVideoFileElem': return '[video]';
      case 'TIMLocationElem': return `[location] ${c.Desc || ''}`;
      case 'TIMFaceElem': return '[sticker]';
      case 'TIMRelayElem': return '[merged messages]';
      default: return `[${e.MsgType}]`;
    }
  }).join(' ');
}

export function empty(text) {
  return h('div.empty', text);
}

// A paged search list: the returned load(true) starts over, load(false) (the `more` button)
// appends the next page. A search started while another is in flight drops the other's answer.
// fetch(after) resolves to { items, next } (next: the cursor of the page after, '' at the end)
// or to null when the call failed (attempt() has shown why).
export function pagedList(rows, more, fetch, row, emptyText, colspan) {
  let after = '';
  let generation = 0;
  const load = async (reset) => {
    if (reset) { rows.replaceChildren(); after = ''; generation++; }
    const mine = generation;
    const page = await fetch(after);
    if (!page || mine !== generation) return;
    for (const item of page.items) rows.append(row(item));
    if (!rows.children.length) rows.append(h('tr', h('td', { colspan }, empty(emptyText))));
    after = page.next || '';
    more.hidden = !page.next;
    rows.dataset.loaded = 'true';
  };
  more.addEventListener('click', () => load(false));
  return load;
}

/** A card with a title line and body. */
export function card(title, ...body) {
  return h('section.card', h('h2', title), ...body);
}

export function field(label, input) {
  return h('label.field', h('span', label), input);
}
