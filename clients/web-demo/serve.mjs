// The web demo's development server: dist/ as static files, and GET /usersig?userID=X, which
// stands for the company's own backend — it signs a Tencent UserSig (TLSSigAPIv2) with the app's
// secret key, so the key never reaches the browser. Node only, no dependencies.
//
//   node clients/web-demo/serve.mjs [--port 8081] [--host 127.0.0.1] [--dir dist]
//        [--sdkappid 1400000000] [--key <secret key>] [--expire 86400]
//
// Prints "web-demo: http://HOST:PORT/" once listening (--port 0 picks a free port).
import { createHmac } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateSync } from 'node:zlib';

// The development app of config/chatd.conf; a real deployment passes its own.
const DEFAULTS = {
  port: '8081', host: '127.0.0.1', dir: new URL('dist', import.meta.url).pathname,
  sdkappid: '1400000000', key: '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e',
  expire: '86400',
};

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.map': 'application/json', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json',
};

/** A Tencent UserSig (TLSSigAPIv2), as tests/e2e/util.py usersig() and Tencent's libraries make it. */
export function userSig(identifier, sdkappid, key, expire = 86400, now = Math.floor(Date.now() / 1000)) {
  const content = `TLS.identifier:${identifier}\nTLS.sdkappid:${sdkappid}\nTLS.time:${now}\nTLS.expire:${expire}\n`;
  const doc = {
    'TLS.ver': '2.0',
    'TLS.identifier': String(identifier),
    'TLS.sdkappid': Number(sdkappid),
    'TLS.expire': Number(expire),
    'TLS.time': now,
    'TLS.sig': createHmac('sha256', key).update(content).digest('base64'),
  };
  return deflateSync(Buffer.from(JSON.stringify(doc)))
    .toString('base64').replace(/[+/=]/g, (c) => ({ '+': '*', '/': '-', '=': '_' })[c]);
}

function parseArgs(argv) {
  const opts = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in DEFAULTS)) throw new Error(`unknown argument ${argv[i]}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    opts[m[1]] = value;
  }
  for (const k of ['port', 'sdkappid', 'expire']) {
    if (!/^\d+$/.test(opts[k])) throw new Error(`--${k} must be a number`);
  }
  return opts;
}

function reply(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

function json(res, status, value) {
  reply(res, status, 'application/json', JSON.stringify(value));
}

/** The file under root that a URL path names, or null when it is outside root or not a file. */
function staticFile(root, pathname) {
  let path;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  if (path.endsWith('/')) path += 'index.html';
  const file = resolve(join(root, path));
  if (!file.startsWith(root + sep)) return null; // "..", encoded or not, cannot leave root
  try {
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

export function createDemoServer(opts) {
  const root = resolve(opts.dir);
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return json(res, 405, { error: 'method not allowed' });
    }
    if (url.pathname === '/usersig') {
      const userID = url.searchParams.get('userID') ?? '';
      // Tencent's UserIDs: 1-32 bytes, no control characters.
      if (!userID || Buffer.byteLength(userID) > 32 || /[\x00-\x1f]/.test(userID)) {
        return json(res, 400, { error: 'userID must be 1-32 bytes' });
      }
      return json(res, 200, {
        userSig: userSig(userID, opts.sdkappid, opts.key, Number(opts.expire)),
        sdkAppID: Number(opts.sdkappid),
      });
    }
    const file = staticFile(root, url.pathname);
    if (!file) return reply(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    const { size } = statSync(file);
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': size, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`serve.mjs: ${e.message}`);
    process.exit(2);
  }
  const server = createDemoServer(opts);
  server.listen(Number(opts.port), opts.host, () => {
    const { address, port } = server.address();
    const host = address.includes(':') ? `[${address}]` : address;
    console.log(`web-demo: http://${host}:${port}/ (dist ${resolve(opts.dir)}, app ${opts.sdkappid})`);
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0)); // nothing to flush
}
