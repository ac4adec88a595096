// The REST API as the signed-in administrator (docs/rest-api.md). The credentials live in
// sessionStorage only: closing the tab forgets them. Every console action is one of these calls.

const KEY = 'chatd-console-session';

export class ApiError extends Error {
  constructor(api, code, info) {
    super(`${api}: ${code} ${info}`);
    this.api = api;
    this.code = code;
    this.info = info;
  }
}

/** The stored session {sdkappid, identifier, usersig}, or null. */
export function session() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    return s && s.sdkappid && s.identifier && s.usersig ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s) {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession() {
  sessionStorage.removeItem(KEY);
}

/** POST /v4/<api> with the body; resolves with the answer when ErrorCode is 0, else throws an
 * ApiError (code and Tencent's ErrorInfo). `as` overrides the stored session (sign-in check). */
export async function call(api, body = {}, as = session()) {
  if (!as) throw new ApiError(api, -1, 'not signed in');
  const q = new URLSearchParams({
    sdkappid: as.sdkappid, identifier: as.identifier, usersig: as.usersig,
    random: String(crypto.getRandomValues(new Uint32Array(1))[0]), contenttype: 'json',
  });
  let r;
  try {
    r = await fetch(`/v4/${api}?${q}`, { method: 'POST', body: JSON.stringify(body), cache: 'no-store' });
  } catch (e) {
    throw new ApiError(api, -1, `chatd unreachable (${e.message})`);
  }
  let a;
  try {
    a = await r.json();
  } catch {
    throw new ApiError(api, -1, `HTTP ${r.status} without a JSON answer`);
  }
  if (a.ErrorCode !== 0) throw new ApiError(api, a.ErrorCode, a.ErrorInfo || '');
  return a;
}

/** GET /metrics as text (Prometheus exposition format). */
export async function metricsText() {
  const r = await fetch('/metrics', { cache: 'no-store' });
  if (!r.ok) throw new Error(`/metrics: HTTP ${r.status}`);
  return r.text();
}
