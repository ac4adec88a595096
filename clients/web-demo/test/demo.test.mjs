// The web demo in Chromium against a real chatd (run by tests/e2e/test_clients.py): serve.mjs
// serves dist/ and signs UserSigs, two browser contexts are alice and bob. Screenshots of the
// key steps go to $CHATD_ARTIFACTS (default clients/test-artifacts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { REPO, startChatd } from '../../test-harness.mjs';

const DEMO = join(REPO, 'clients', 'web-demo');
const ARTIFACTS = process.env.CHATD_ARTIFACTS || join(REPO, 'clients', 'test-artifacts');
const WAIT_MS = 10000; // for any one thing to show up

let chatd;
let server;
let demoUrl;
let browser;
const pages = {};

/** serve.mjs on a port of its choosing; resolves with its base URL once it listens. */
function startServer() {
  const proc = spawn(process.execPath, [join(DEMO, 'serve.mjs'), '--port', '0', '--host', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => {
      output += d;
      const m = /web-demo: (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (m) resolve(m[1]);
    });
    proc.stderr.on('data', (d) => { output += d; });
    proc.once('exit', (code) => reject(new Error(`serve.mjs exited with ${code}: ${output}`)));
    setTimeout(() => reject(new Error(`serve.mjs did not start: ${output}`)), WAIT_MS);
  });
  return { proc, url };
}

/** A raw GET (fetch would normalize the "..", which is what we want to send). */
function rawGet(path) {
  return new Promise((resolve, reject) => {
    const u = new URL(demoUrl);
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `web-demo-${name}.png`) });
}

/** A browser context of its own for `user`, signed in through the page's form. */
async function signIn(user) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e));
  await page.goto(`${demoUrl}/?server=${encodeURIComponent(chatd.wsUrl)}`);
  await page.getByTestId('login-user').fill(user);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('me').filter({ hasText: user }).waitFor();
  await page.locator('[data-testid=conv-list][data-loaded=true]').waitFor({ state: 'attached' });
  return page;
}

const conv = (page, id) => page.locator(`[data-testid=conv-item][data-conversation-id="${id}"]`);
const message = (page, text) => page.getByTestId('message').filter({ hasText: text });

async function send(page, text) {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-send').click();
  await message(page, text).getByTestId('message-status').filter({ hasText: /^(sent|read)/ }).waitFor();
}

async function openChatWith(page, userID) {
  await page.getByTestId('new-chat-user').fill(userID);
  await page.getByTestId('new-chat-submit').click();
  await page.getByTestId('chat-title').filter({ hasText: userID }).waitFor();
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  assert.ok(existsSync(join(DEMO, 'dist', 'main.js')), 'the demo is not built: node clients/build.mjs');
  chatd = await startChatd();
  await chatd.importUsers('alice', 'bob', 'carol');
  server = startServer();
  demoUrl = await server.url;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  await chatd?.stop();
});

test('serve.mjs signs UserSigs and serves nothing outside dist/', async () => {
  assert.equal((await rawGet('/')).status, 200);
  assert.equal((await rawGet('/style.css')).status, 200);
  for (const path of ['/../serve.mjs', '/%2e%2e/serve.mjs', '/..%2fserve.mjs', '/%2e%2e%2f%2e%2e%2fpackage.json',
    '/..\\serve.mjs', '/%00index.html', '/nope.js', '/%E0%A4%A']) {
    assert.equal((await rawGet(path)).status, 404, path);
  }
  assert.equal((await rawGet('/usersig')).status, 400);
  assert.equal((await rawGet(`/usersig?userID=${'x'.repeat(33)}`)).status, 400);
  const sig = await rawGet('/usersig?userID=alice');
  assert.equal(sig.status, 200);
  assert.match(JSON.parse(sig.body).userSig, /^[A-Za-z0-9*_-]+$/);
});

test('alice and bob chat: unread badge, reply, read receipt, recall, delete with history', async () => {
  const alice = pages.alice = await signIn('alice');
  const bob = pages.bob = await signIn('bob');

  // alice starts the chat and sends text with an emoji from the picker
  await openChatWith(alice, 'bob');
  await alice.getByTestId('composer-input').fill('hello bob ');
  await alice.getByTestId('emoji-toggle').click();
  await alice.getByTestId('emoji-option').first().click();
  assert.equal(await alice.getByTestId('composer-input').inputValue(), 'hello bob 😀');
  await alice.getByTestId('composer-send').click();
  const first = message(alice, 'hello bob 😀');
  await first.getByTestId('message-status').filter({ hasText: /^sent$/ }).waitFor();
  await conv(alice, 'C2Cbob').waitFor();
  await shot(alice, '01-alice-sent');

  // bob: the conversation with a badge of 1 unread; opening it shows the text, clears the badge
  const badge = conv(bob, 'C2Calice').getByTestId('conv-unread');
  await badge.filter({ hasText: /^1$/ }).waitFor();
  await shot(bob, '02-bob-unread');
  await conv(bob, 'C2Calice').getByRole('button').first().click();
  await message(bob, 'hello bob 😀').getByTestId('message-text').waitFor();
  await badge.waitFor({ state: 'detached' });
  await send(bob, 'hi alice!');
  await shot(bob, '03-bob-replied');

  // alice: the reply, and her message read (bob opened the conversation)
  await message(alice, 'hi alice!').waitFor();
  await first.getByTestId('message-status').filter({ hasText: /^read$/ }).waitFor();
  await shot(alice, '04-alice-read');

  // alice recalls it; both sides show it recalled
  const recalled = first;
  const msgID = await recalled.getAttribute('data-message-id');
  await recalled.hover();
  await recalled.getByTestId('message-recall').click();
  await alice.locator(`[data-message-id="${msgID}"] [data-testid=message-recalled]`).waitFor();
  const onBob = bob.locator(`[data-message-id="${msgID}"]`);
  await onBob.getByTestId('message-recalled').filter({ hasText: 'message recalled' }).waitFor();
  assert.equal(await message(bob, 'hello bob 😀').count(), 0);
  await shot(bob, '05-bob-sees-recall');

  // bob deletes the conversation with its history: it leaves his list, also after a reload
  await bob.getByTestId('chat-delete').click();
  await bob.getByTestId('delete-history').check();
  await shot(bob, '06-bob-delete-dialog');
  await bob.getByTestId('delete-confirm').click();
  await conv(bob, 'C2Calice').waitFor({ state: 'detached' });
  await shot(bob, '07-bob-deleted');
  await bob.context().close();
  const bob2 = pages.bob = await signIn('bob');
  assert.equal(await conv(bob2, 'C2Calice').count(), 0);
  await openChatWith(bob2, 'alice');
  await bob2.getByTestId('no-messages').waitFor();
  assert.equal(await bob2.getByTestId('message').count(), 0);
  // alice keeps hers
  assert.equal(await message(alice, 'hi alice!').count(), 1);

  assert.deepEqual([...alice.errors, ...bob.errors, ...bob2.errors].map(String), []);
});

test('history pages, pinned conversations first, a group chat', async () => {
  const alice = pages.alice;
  const bob = pages.bob;

  // 20 messages from carol: 15 on the first page, 5 more behind "load older"
  for (let i = 1; i <= 20; i++) {
    const r = await chatd.rest('openim/sendmsg', {
      SyncOtherMachine: 2, From_Account: 'carol', To_Account: 'alice', MsgRandom: 1000 + i,
      MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `note ${i} from carol` } }],
    });
    assert.equal(r.ErrorCode, 0, JSON.stringify(r));
  }
  await conv(alice, 'C2Ccarol').getByTestId('conv-unread').filter({ hasText: /^20$/ }).waitFor();
  // the newest conversation is on top; pinning bob's puts it first
  assert.equal(await alice.getByTestId('conv-item').first().getAttribute('data-conversation-id'), 'C2Ccarol');
  await conv(alice, 'C2Cbob').hover();
  await conv(alice, 'C2Cbob').getByTestId('conv-pin').click();
  await alice.locator('[data-testid=conv-item]:first-child[data-conversation-id="C2Cbob"][data-pinned=true]').waitFor();
  await shot(alice, '08-alice-pinned');

  await conv(alice, 'C2Ccarol').getByRole('button').first().click();
  await message(alice, 'note 20 from carol').waitFor();
  await message(alice, 'note 6 from carol').waitFor();
  assert.equal(await message(alice, /^note 5 from carol/).count(), 0);
  assert.equal(await alice.getByTestId('message').count(), 15);
  await alice.getByTestId('load-older').click();
  await message(alice, /note 1 from carol/).first().waitFor();
  await alice.getByTestId('load-older').waitFor({ state: 'hidden' });
  assert.equal(await alice.getByTestId('message').count(), 20);
  await shot(alice, '09-alice-history');

  // unpinning, from the chat header (a pin counts as activity: bob's stays on top, unpinned)
  await conv(alice, 'C2Cbob').getByRole('button').first().click();
  await alice.getByTestId('chat-pin').filter({ hasText: 'Unpin' }).click();
  await alice.locator('[data-testid=conv-item][data-conversation-id="C2Cbob"][data-pinned=false]').waitFor();
  await alice.getByTestId('chat-pin').filter({ hasText: /^Pin$/ }).waitFor();
  assert.equal(await alice.getByTestId('conv-pinned').count(), 0);

  // a Public group with bob and carol
  await alice.getByTestId('new-group-open').click();
  await alice.getByTestId('group-name').fill('Weekend trip');
  await alice.getByTestId('group-id').fill('trip');
  await alice.getByTestId('group-members').fill('bob, carol');
  await alice.getByTestId('group-create').click();
  await alice.getByTestId('chat-title').filter({ hasText: 'Weekend trip' }).waitFor();
  await send(alice, 'who brings the tent?');
  await conv(bob, 'GROUPtrip').getByTestId('conv-unread').filter({ hasText: /^1$/ }).waitFor();
  await conv(bob, 'GROUPtrip').getByRole('button').first().click();
  await message(bob, 'who brings the tent?').getByText('alice').waitFor(); // the sender's name
  await send(bob, 'I do ⛺');
  await message(alice, 'I do ⛺').waitFor();
  await message(alice, 'who brings the tent?').getByTestId('message-status').filter({ hasText: /^read by 1$/ }).waitFor();
  await shot(alice, '10-alice-group');
  await shot(bob, '11-bob-group');

  // after a reload the read count comes from the server (history carries none)
  await alice.context().close();
  const alice2 = pages.alice = await signIn('alice');
  await conv(alice2, 'GROUPtrip').getByRole('button').first().click();
  await message(alice2, 'who brings the tent?').getByTestId('message-status').filter({ hasText: /^read by 1$/ }).waitFor();

  assert.deepEqual([...alice.errors, ...bob.errors, ...alice2.errors].map(String), []);
});
