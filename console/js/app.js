// The console's shell: sign-in, navigation by URL hash (#/accounts/alice), one page at a time.
// A page module exports render(main, params) and may return a cleanup function (timers,
// metric subscriptions), run when the operator leaves the page.
import { call, clearSession, saveSession, session } from './api.js';
import { h } from './ui.js';
import * as dashboard from './pages/dashboard.js';
import * as accounts from './pages/accounts.js';
import * as groups from './pages/groups.js';
import * as conversations from './pages/conversations.js';
import * as webhooks from './pages/webhooks.js';
import * as config from './pages/config.js';

const pages = { dashboard, accounts, groups, conversations, webhooks, config };
let cleanup = null;

function $(sel) {
  return document.querySelector(sel);
}

/** "#/accounts/alice?x=1" → {page: "accounts", rest: ["alice"], query: URLSearchParams}. */
export function route() {
  const [path, qs = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [page, ...rest] = path.split('/').map(decodeURIComponent);
  return { page: pages[page] ? page : 'dashboard', rest, query: new URLSearchParams(qs) };
}

export function go(hash) {
  if (location.hash === hash) show();
  else location.hash = hash;
}

async function show() {
  const s = session();
  $('#login').hidden = !!s;
  $('#shell').hidden = !s;
  if (cleanup) {
    try { cleanup(); } catch { /* a page's cleanup must not block the next page */ }
    cleanup = null;
  }
  if (!s) {
    $('[data-testid=login-usersig]').focus();
    return;
  }
  $('[data-testid=who]').textContent = `${s.identifier} · app ${s.sdkappid}`;
  const r = route();
  for (const a of document.querySelectorAll('.sidebar a')) a.classList.toggle('active', a.dataset.page === r.page);
  const main = $('#main');
  main.replaceChildren();
  main.dataset.page = r.page;
  const done = await pages[r.page].render(main, r);
  if (typeof done === 'function') cleanup = done;
}

async function signIn(ev) {
  ev.preventDefault();
  const f = ev.target;
  const err = $('[data-testid=login-error]');
  const s = {
    sdkappid: f.sdkappid.value.trim(),
    identifier: f.identifier.value.trim(),
    usersig: f.usersig.value.trim(),
  };
  err.hidden = true;
  f.querySelector('button').disabled = true;
  try {
    await call('chatd_admin/config_get', {}, s); // proves the signature and admin rights
    saveSession(s);
    f.usersig.value = '';
    show();
  } catch (e) {
    err.textContent = e.code > 0 ? `Refused: ${e.code} ${e.info}` : e.info || String(e);
    err.hidden = false;
  } finally {
    f.querySelector('button').disabled = false;
  }
}

export function signOut() {
  clearSession();
  location.hash = '';
  show();
}

window.addEventListener('hashchange', show);
window.addEventListener('DOMContentLoaded', () => {
  $('[data-testid=login-form]').addEventListener('submit', signIn);
  $('[data-testid=logout]').addEventListener('click', signOut);
  // A signature that stopped working (expired, key changed) sends the operator back to sign-in.
  window.addEventListener('chatd-auth-failed', signOut);
  show();
});

