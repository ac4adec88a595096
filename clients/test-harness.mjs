// The clients' test harness: a real chatd on the PostgreSQL the e2e harness started.
//
// tests/e2e/test_clients.py runs `node --test` with CHATD_BIN (the daemon to run) and
// CHATD_TEST_DSN (a database of its own on the session's cluster); each test file starts its
// chatd with startChatd(), which writes a configuration like the e2e harness's, waits for
// /healthz, and can restart it on the same port (for reconnect tests).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(new URL('..', import.meta.url).pathname);
export const SDKAPPID = 1400000000;
export const ADMIN = 'administrator';
const SECRET_KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Chatd {
  constructor(port, dir, overrides) {
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}/ws`;
    this.dir = dir;
    this.configPath = join(dir, 'chatd.conf');
    this.logPath = join(dir, 'chatd.log');
    const config = {
      listen: `127.0.0.1:${port}`,
      database_url: process.env.CHATD_TEST_DSN,
      db_pool_size: 2,
      sdkappid: SDKAPPID,
      secret_key: SECRET_KEY,
      admin_identifier: ADMIN,
      log_level: 'info',
      schema_dir: join(REPO, 'schema'),
      ...overrides,
    };
    writeFileSync(this.configPath, Object.entries(config).map(([k, v]) => `${k} = ${v}\n`).join(''));
    this.sigs = new Map();
  }

  async start() {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CHATD_')));
    env.ASAN_OPTIONS = 'detect_leaks=1:abort_on_error=0';
    const log = openSync(this.logPath, 'a');
    this.proc = spawn(process.env.CHATD_BIN, ['-c', this.configPath], {
      cwd: REPO, env, stdio: ['ignore', log, log],
    });
    this.exited = new Promise((r) => this.proc.once('exit', (code, signal) => r({ code, signal })));
    for (let i = 0; i < 1500; i++) {
      if (this.proc.exitCode !== null) throw new Error(`chatd exited: ${this.log().slice(-2000)}`);
      try {
        if ((await fetch(`${this.url}/healthz`)).status === 200) return this;
      } catch { /* not listening yet */ }
      await sleep(20);
    }
    throw new Error('chatd did not answer /healthz within 30 s');
  }

  /** SIGTERM and the exit status; throws unless it is 0. */
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill('SIGTERM');
    const { code } = await this.exited;
    if (code !== 0) throw new Error(`chatd exited with ${code}: ${this.log().slice(-2000)}`);
  }

  async restart() {
    await this.stop();
    return this.start();
  }

  log() {
    try { return readFileSync(this.logPath, 'utf8'); } catch { return ''; }
  }

  /** A UserSig for `user`, made by the daemon itself (`chatd usersig`). */
  usersig(user) {
    if (!this.sigs.has(user)) {
      const r = spawnSync(process.env.CHATD_BIN, ['-c', this.configPath, 'usersig', user], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`chatd usersig: ${r.stderr}`);
      this.sigs.set(user, r.stdout.trim());
    }
    return this.sigs.get(user);
  }

  /** A REST call as the app admin; the answer object (ErrorCode checked by the caller). */
  async rest(api, body) {
    const q = new URLSearchParams({ sdkappid: SDKAPPID, identifier: ADMIN, usersig: this.usersig(ADMIN),
      random: String(Math.floor(Math.random() * 2 ** 32)), contenttype: 'json' });
    const r = await fetch(`${this.url}/v4/${api}?${q}`, { method: 'POST', body: JSON.stringify(body) });
    return r.json();
  }

  async importUsers(...users) {
    const a = await this.rest('im_open_login_svc/multiaccount_import', { Accounts: users });
    if (a.ErrorCode !== 0) throw new Error(JSON.stringify(a));
  }
}

/** A chatd of its own for one test file (config overrides as key: value). */
export async function startChatd(overrides = {}) {
  if (!process.env.CHATD_BIN || !process.env.CHATD_TEST_DSN) {
    throw new Error('run through tests/e2e/test_clients.py (CHATD_BIN and CHATD_TEST_DSN unset)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'chatd-clients-'));
  return new Chatd(await freePort(), dir, overrides).start();
}

/** Resolves when cond() is truthy (polled), rejects after `ms`. */
export async function until(cond, ms = 5000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
