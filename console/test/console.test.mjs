// The web console in headless Chromium against a real chatd (run by tests/e2e/test_console.py
// through util.node_suite): an operator signs in with the admin UserSig, imports and finds bob,
// sees him come online over WebSocket, kicks him, recalls his message, retries a dead webhook
// with one click and watches the dashboard's message rate move. Screenshots of each step go to
// $CHATD_ARTIFACTS (default clients/test-artifacts) as console-*.png.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as netServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { REPO, SDKAPPID, startChatd, until } from '../../clients/test-harness.mjs';

// playwright-core and ws are the clients' dev dependencies (clients/node_modules).
const require = createRequire(join(REPO, 'clients', 'package.json'));
const { chromium } = require('playwright-core');
const WebSocket = require('ws');

const ARTIFACTS = process.env.CHATD_ARTIFACTS || join(REPO, 'clients', 'test-artifacts');
const WAIT_MS = 10000;
const AFTER_SEND = 'C2C.CallbackAfterSendMsg';
const JWT_SECRET = 'console-test-jwt-secret-of-32-bytes!';

/** An HS256 JWT for `sub`, valid ten minutes. */
function jwt(sub) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub, exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${head}.${createHmac('sha256', JWT_SECRET).update(head).digest('base64url')}`;
}

let chatd;
let browser;
let page;
let hookPort;
let receiver;
const received = [];
const sockets = [];

function freePort() {
  return new Promise((ok, fail) => {
    const s = netServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

/** The webhook receiver, started late on the port chatd was told about (nothing listened there
 * before: every delivery failed). Records each callback and answers OK. */
function startReceiver() {
  return new Promise((ok) => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        received.push({ url: req.url, body: JSON.parse(body) });
        res.setHeader('Content-Type', 'application/json');
        res.end('{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}');
      });
    });
    receiver.listen(hookPort, '127.0.0.1', ok);
  });
}

/** A WebSocket client logged in as `user`; resolves once login answered 0. */
function wsLogin(user) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(chatd.wsUrl);
    ws.events = [];
    ws.closedWith = null;
    ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      if (f.event) ws.events.push(f);
      if (f.seq === 1) (f.code === 0 ? resolve(ws) : reject(new Error(`login: ${f.code} ${f.desc}`)));
    });
    ws.on('close', (code) => { ws.closedWith = code; });
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ seq: 1, cmd: 'login', body: { userID: user, userSig: chatd.usersig(user), platform: 'Web' } })));
    sockets.push(ws);
  });
}

async function send(from, to, text) {
  const a = await chatd.rest('openim/sendmsg', { SyncOtherMachine: 2, From_Account: from, To_Account: to,
    MsgRandom: Math.floor(Math.random() * 2 ** 31), MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }] });
  assert.equal(a.ErrorCode, 0, JSON.stringify(a));
  return a;
}

async function shot(name) {
  await page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage: true });
}

const byTestId = (id) => page.getByTestId(id);

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  hookPort = await freePort();
  chatd = await startChatd({
    webhook_url: `http://127.0.0.1:${hookPort}/hook`,
    webhook_commands: AFTER_SEND,
    webhook_max_age_s: 1, // the first failures make the event dead at once
    webhook_poll_ms: 50,
    webhook_retry_base_ms: 50,
    webhook_retry_max_ms: 200,
    webhook_timeout_ms: 1000,
    jwt_algorithm: 'HS256',
    jwt_secret: JWT_SECRET,
  });
  await chatd.importUsers('carol');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(new Error(m.text())); });
});

after(async () => {
  for (const ws of sockets) ws.terminate();
  if (browser) await browser.close();
  if (receiver) await new Promise((r) => receiver.close(r));
  if (chatd) await chatd.stop();
});

test('a wrong UserSig is refused and the admin UserSig signs in', async () => {
  await page.goto(`${chatd.url}/console`);
  assert.match(page.url(), /\/console\/$/);
  await byTestId('login-sdkappid').fill(String(SDKAPPID));
  await byTestId('login-identifier').fill('administrator');
  await byTestId('login-usersig').fill('not-a-usersig');
  await byTestId('login-submit').click();
  await byTestId('login-error').filter({ hasText: /Refused: 700\d\d/ }).waitFor();
  await shot('login-refused');
  await byTestId('login-usersig').fill(chatd.usersig('administrator'));
  await byTestId('login-submit').click();
  await byTestId('who').filter({ hasText: 'administrator' }).waitFor();
  await byTestId('tile-messages').waitFor();
  // The credentials live in this tab's sessionStorage only.
  const stored = await page.evaluate(() => [sessionStorage.length, localStorage.length, document.cookie]);
  assert.deepEqual(stored, [1, 0, '']);
});

test('signing out forgets the signature; an admin JWT signs in too, a user\'s JWT does not', async () => {
  await byTestId('logout').click();
  await byTestId('login-submit').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await byTestId('login-sdkappid').fill(String(SDKAPPID));
  await byTestId('login-identifier').fill('carol');
  await byTestId('login-usersig').fill(jwt('carol'));
  await byTestId('login-submit').click();
  await byTestId('login-error').filter({ hasText: 'Refused: 60010' }).waitFor();
  await byTestId('login-identifier').fill('administrator');
  await byTestId('login-usersig').fill(jwt('administrator'));
  await byTestId('login-submit').click();
  await byTestId('who').filter({ hasText: 'administrator' }).waitFor();
});

test('imports bob and finds him by nick', async () => {
  await byTestId('nav-accounts').click();
  await byTestId('import-user').fill('bob');
  await byTestId('import-nick').fill('Bobby Tables');
  await byTestId('import-submit').click();
  await byTestId('toast').filter({ hasText: 'Imported bob' }).waitFor();
  await byTestId('csv-text').fill('UserID,Nick\ndave,Dave\n"erin","Erin, the second"\n');
  await byTestId('csv-submit').click();
  await byTestId('csv-progress').filter({ hasText: '2 imported' }).waitFor();
  await byTestId('account-search').fill('bobby');
  await byTestId('account-search-submit').click();
  const row = page.locator('[data-testid=account-row][data-user=bob]');
  await row.waitFor();
  assert.equal(await page.locator('[data-testid=account-row]').count(), 1);
  assert.match(await row.textContent(), /Bobby Tables/);
  const erin = await chatd.rest('profile/portrait_get', { To_Account: ['erin'], TagList: ['Tag_Profile_IM_Nick'] });
  assert.equal(erin.UserProfileItem[0].ProfileItem[0].Value, 'Erin, the second');
  await shot('accounts-found');
  await row.click();
  await byTestId('profile').filter({ hasText: 'Bobby Tables' }).waitFor();
  await page.locator('[data-testid=online-state][data-state=Offline]').waitFor();
});

test('bob shows up online when he logs in over WebSocket, and a kick takes him off', async () => {
  const ws = await wsLogin('bob');
  await page.locator('[data-testid=online-state][data-state=Online]').waitFor();
  await byTestId('session').filter({ hasText: 'Web' }).waitFor();
  await shot('account-online');
  await byTestId('kick').click();
  await byTestId('toast').filter({ hasText: 'bob kicked' }).waitFor();
  await until(() => ws.closedWith !== null, WAIT_MS, 'the kicked socket to close');
  assert.equal(ws.closedWith, 4001);
  assert.ok(ws.events.some((e) => e.event === 'onKickedOffline'));
  await page.locator('[data-testid=online-state][data-state=Offline]').waitFor();
});

test("recalls bob's message from his conversation's history", async () => {
  await send('bob', 'carol', 'first, stays');
  const doomed = await send('bob', 'carol', 'oops, wrong chat');
  await page.goto(`${chatd.url}/console/#/conversations?user=bob`);
  await page.locator('[data-testid=conv-item][data-conv=c2c_carol] a').click();
  const msg = page.locator(`[data-testid=message][data-key="${doomed.MsgKey}"]`);
  await msg.filter({ hasText: 'oops, wrong chat' }).waitFor();
  await shot('history');
  await msg.getByTestId('recall').click();
  await byTestId('toast').filter({ hasText: 'Message recalled' }).waitFor();
  await msg.filter({ hasText: 'recalled' }).waitFor();
  const roam = await chatd.rest('openim/admin_getroammsg', { Operator_Account: 'carol', Peer_Account: 'bob', MaxCnt: 10, MinTime: 0, MaxTime: 4294967295 });
  const bodies = roam.MsgList.map((m) => [m.MsgKey, m.MsgBody.length]);
  assert.deepEqual(bodies.find(([k]) => k === doomed.MsgKey), [doomed.MsgKey, 0]);
  assert.equal(bodies.filter(([, n]) => n > 0).length, 1);
});

test('a dead webhook event is retried with one click once the receiver is back', async () => {
  // The two sends above went to a port where nothing listens: after webhook_max_age_s they died.
  await byTestId('nav-webhooks').click();
  await byTestId('setting-webhook_url').filter({ hasText: `127.0.0.1:${hookPort}` }).waitFor();
  await until(async () => {
    await byTestId('dead-reload').click();
    await page.locator('[data-testid=dead-rows][data-loaded=true]').waitFor();
    return (await page.locator('[data-testid=dead-row]').count()) === 2;
  }, 20000, 'two dead events listed');
  await shot('webhooks-dead');
  await startReceiver();
  const first = page.locator('[data-testid=dead-row]').first();
  const id = Number(await first.getAttribute('data-event'));
  await first.getByTestId('retry').click();
  await page.locator(`[data-testid=dead-row][data-event="${id}"][data-retried=true]`).waitFor();
  await until(() => received.some((c) => c.body.EventId === id), WAIT_MS, 'the retried callback');
  const call = received.find((c) => c.body.EventId === id);
  assert.equal(call.body.CallbackCommand, AFTER_SEND);
  assert.match(call.url, /CallbackCommand=C2C\.CallbackAfterSendMsg/);
  await shot('webhooks-retried');
  const left = await chatd.rest('chatd_webhook/list_dead', {});
  assert.equal(left.Events.length, 1, 'only the other event is still dead');
  assert.notEqual(left.Events[0].EventId, id);
});

test('the groups page finds a group, shows its members and saves its profile', async () => {
  const made = await chatd.rest('group_open_http_svc/create_group', { Owner_Account: 'bob', Type: 'Public', GroupId: 'team-1',
    Name: 'Team one', MemberList: [{ Member_Account: 'carol' }] });
  assert.equal(made.ErrorCode, 0, JSON.stringify(made));
  await byTestId('nav-groups').click();
  await byTestId('group-search').fill('team');
  await page.keyboard.press('Enter');
  await page.locator('[data-testid=group-row][data-group=team-1]').click();
  await byTestId('member').filter({ hasText: 'carol' }).waitFor();
  await byTestId('member').filter({ hasText: 'Owner' }).waitFor();
  await byTestId('group-name').fill('Team One, renamed');
  await byTestId('group-save').click();
  await byTestId('toast').filter({ hasText: 'Group profile saved' }).waitFor();
  const info = await chatd.rest('group_open_http_svc/get_group_info', { GroupIdList: ['team-1'] });
  assert.equal(info.GroupInfo[0].Name, 'Team One, renamed');
  await byTestId('system-text').fill('Maintenance at noon');
  await byTestId('system-send').click();
  await byTestId('toast').filter({ hasText: 'System message sent' }).waitFor();
  await shot('group');
});

test('a search answered before the page\'s first listing shows each group once', async () => {
  // The page lists every group when it opens; hold that answer back until the search's is in.
  let release;
  const held = new Promise((ok) => { release = ok; });
  await page.route('**/v4/chatd_admin/group_search*', async (route) => {
    if (JSON.parse(route.request().postData() || '{}').Prefix === '') await held;
    await route.continue();
  });
  try {
    await byTestId('nav-config').click();
    await byTestId('nav-groups').click();
    await byTestId('group-search').fill('team');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=group-row][data-group=team-1]').waitFor();
    const late = page.waitForResponse((r) => r.url().includes('group_search') &&
      JSON.parse(r.request().postData() || '{}').Prefix === '');
    release();
    await late;
    await page.waitForTimeout(200); // the page's handler of that answer runs after it arrives
    assert.equal(await page.locator('[data-testid=group-row][data-group=team-1]').count(), 1);
  } finally {
    release();
    await page.unroute('**/v4/chatd_admin/group_search*');
  }
});

test('the configuration page shows the running values with secrets masked', async () => {
  await byTestId('nav-config').click();
  const secret = page.locator('[data-testid=config-row][data-key=secret_key]');
  await secret.filter({ hasText: '********' }).waitFor();
  assert.doesNotMatch(await page.locator('main').textContent(), /5bd2850fff3ecb11/);
  await page.locator('[data-testid=config-row][data-key=log_level]').filter({ hasText: 'reloadable' }).waitFor();
  await page.locator('[data-testid=config-row][data-key=listen]').filter({ hasText: 'restart' }).waitFor();
  await shot('config');
});

test("the dashboard's message rate moves when messages are sent", async () => {
  await byTestId('nav-dashboard').click();
  const tile = byTestId('tile-messages');
  await page.locator('[data-testid=scrape-status]').filter({ hasText: /scrapes/ }).waitFor();
  await until(async () => {
    for (let i = 0; i < 5; i++) await send('carol', 'bob', `tick ${i}`);
    const v = Number(await tile.getAttribute('data-rate'));
    return v > 0;
  }, 30000, 'a message rate above 0');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=tile-messages] svg path').length > 0);
  await shot('dashboard');
  assert.deepEqual(page.errors.map(String), []);
});
