// Where the demo finds chatd and the UserSig endpoint: the query string, else defaults that
// suit `make run` next to `serve.mjs` (chatd on port 8080 of the page's host, /usersig here).
//   ?server=ws://127.0.0.1:8080/ws   chatd's WebSocket URL
//   ?sig=http://…/usersig            the backend that signs UserSigs (GET ?userID=…)
//   ?sdkappid=1400000000             the app, when the sig endpoint does not say it

export interface DemoConfig {
  server: string;
  sig: string;
  sdkAppID: number | null;
}

export function readConfig(loc: Location): DemoConfig {
  const q = new URLSearchParams(loc.search);
  const host = loc.hostname ? (loc.hostname.includes(':') ? `[${loc.hostname}]` : loc.hostname) : '127.0.0.1';
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  const server = q.get('server') || `${scheme}://${host}:8080/ws`;
  if (!/^wss?:\/\//.test(server)) throw new Error(`?server must be a ws:// or wss:// URL, not ${server}`);
  const app = Number(q.get('sdkappid'));
  return {
    server,
    sig: new URL(q.get('sig') || '/usersig', loc.href).href,
    sdkAppID: Number.isInteger(app) && app > 0 ? app : null,
  };
}

/** Asks the backend for `userID`'s UserSig (and the app's SDKAppID, when it tells). */
export async function fetchUserSig(cfg: DemoConfig, userID: string): Promise<{ userSig: string; sdkAppID: number }> {
  const url = new URL(cfg.sig);
  url.searchParams.set('userID', userID);
  const r = await fetch(url);
  const body = await r.json().catch(() => ({}));
  if (!r.ok || typeof body.userSig !== 'string') {
    throw new Error(body.error ? `UserSig: ${body.error}` : `UserSig endpoint answered HTTP ${r.status}`);
  }
  const sdkAppID = cfg.sdkAppID ?? Number(body.sdkAppID ?? body.SDKAppID);
  if (!sdkAppID) throw new Error('no SDKAppID: pass ?sdkappid= or answer it from the UserSig endpoint');
  return { userSig: body.userSig, sdkAppID };
}
