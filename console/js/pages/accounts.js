// Accounts: search by UserID or nick prefix (chatd_admin/account_search), import one or a CSV
// (im_open_login_svc/account_import), a profile (profile/portrait_get), online state and live
// sessions (openim/query_online_status, chatd_admin/user_sessions), kick and delete.
import { call } from '../api.js';
import { go } from '../app.js';
import { ago, attempt, card, confirmDialog, empty, field, h, pagedList, toast, when } from '../ui.js';

const PROFILE_TAGS = ['Tag_Profile_IM_Nick', 'Tag_Profile_IM_Image', 'Tag_Profile_IM_Gender',
  'Tag_Profile_IM_BirthDay', 'Tag_Profile_IM_Location', 'Tag_Profile_IM_SelfSignature',
  'Tag_Profile_IM_AllowType', 'Tag_Profile_IM_Language', 'Tag_Profile_IM_Level', 'Tag_Profile_IM_Role'];

export function render(main, r) {
  if (r.rest[0]) return detail(main, r.rest[0]);
  return list(main, r.query.get('q') || '');
}

function list(main, q) {
  const input = h('input', { type: 'search', placeholder: 'UserID or nick prefix', value: q, 'data-testid': 'account-search' });
  const rows = h('tbody', { 'data-testid': 'account-rows' });
  const more = h('button', { type: 'button', hidden: true, 'data-testid': 'account-more' }, 'More');
  const load = pagedList(rows, more, async (after) => {
    const a = await attempt(() => call('chatd_admin/account_search', { Prefix: input.value.trim(), AfterUserID: after, Limit: 50 }));
    return a && { items: a.Accounts, next: a.NextAfterUserID };
  }, accountRow, 'No account matches.', 4);
  const search = h('form.row', { onsubmit: (e) => { e.preventDefault(); history.replaceState(null, '', `#/accounts?q=${encodeURIComponent(input.value.trim())}`); load(true); } },
    input, h('button.primary', { type: 'submit', 'data-testid': 'account-search-submit' }, 'Search'));

  main.append(h('header.page-head', h('h1', 'Accounts')),
    h('div.cols',
      card('Find', search,
        h('table.list', h('thead', h('tr', h('th', ''), h('th', 'UserID'), h('th', 'Nick'), h('th', 'Created'))), rows), more),
      h('div.stack', importOne(() => load(true)), importCsv(() => load(true)))));
  load(true);
}

function accountRow(u) {
  const open = () => go(`#/accounts/${encodeURIComponent(u.UserID)}`);
  return h('tr.clickable', { 'data-testid': 'account-row', 'data-user': u.UserID, onclick: open },
    h('td', h(`i.presence${u.Sessions > 0 ? '.on' : ''}`, { title: u.Sessions > 0 ? `${u.Sessions} sessions` : 'offline' })),
    h('td.mono', u.UserID), h('td', u.Nick || h('span.muted', '—')), h('td.muted', when(u.CreateTime)));
}

function importOne(done) {
  const id = h('input', { name: 'id', required: true, maxlength: 32, 'data-testid': 'import-user' });
  const nick = h('input', { name: 'nick', 'data-testid': 'import-nick' });
  const face = h('input', { name: 'face', placeholder: 'https://…' });
  const form = h('form.form', {
    onsubmit: async (e) => {
      e.preventDefault();
      const body = { UserID: id.value.trim() };
      if (nick.value.trim()) body.Nick = nick.value.trim();
      if (face.value.trim()) body.FaceUrl = face.value.trim();
      const ok = await attempt(() => call('im_open_login_svc/account_import', body), `Imported ${body.UserID}`);
      if (ok) { form.reset(); done(); }
    },
  }, field('UserID', id), field('Nick', nick), field('Face URL', face),
  h('button.primary', { type: 'submit', 'data-testid': 'import-submit' }, 'Import'));
  return card('Import an account', form);
}

/** CSV lines "UserID[,Nick[,FaceUrl]]"; a first line naming UserID is a header. */
export function parseCsv(text) {
  const out = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const cells = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') { cells.push(cur.trim()); cur = ''; } else cur += c;
    }
    cells.push(cur.trim());
    if (!out.length && /^user_?id$/i.test(cells[0])) continue;
    out.push({ UserID: cells[0], Nick: cells[1] || '', FaceUrl: cells[2] || '' });
  }
  return out;
}

function importCsv(done) {
  const text = h('textarea', { rows: 5, placeholder: 'UserID,Nick,FaceUrl\nbob,Bob\ncarol,Carol', 'data-testid': 'csv-text', spellcheck: 'false' });
  const file = h('input', { type: 'file', accept: '.csv,text/csv,text/plain' });
  file.addEventListener('change', async () => { if (file.files[0]) text.value = await file.files[0].text(); });
  const progress = h('div.muted', { 'data-testid': 'csv-progress' });
  const form = h('form.form', {
    onsubmit: async (e) => {
      e.preventDefault();
      const rows = parseCsv(text.value);
      let ok = 0;
      const failed = [];
      // Four calls at a time: quick for a few thousand rows, gentle on a small server.
      let next = 0;
      const worker = async () => {
        while (next < rows.length) {
          const row = rows[next++];
          const body = { UserID: row.UserID };
          if (row.Nick) body.Nick = row.Nick;
          if (row.FaceUrl) body.FaceUrl = row.FaceUrl;
          try { await call('im_open_login_svc/account_import', body); ok++; } catch (err) { failed.push(`${row.UserID}: ${err.code} ${err.info}`); }
          progress.textContent = `${ok + failed.length} / ${rows.length}`;
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      progress.replaceChildren(`${ok} imported${failed.length ? `, ${failed.length} failed:` : ''}`,
        ...failed.slice(0, 20).map((f) => h('div.bad', f)));
      toast(`${ok} of ${rows.length} accounts imported`, failed.length ? 'error' : 'ok');
      done();
    },
  }, text, h('div.row', file, h('button.primary', { type: 'submit', 'data-testid': 'csv-submit' }, 'Import CSV')), progress);
  return card('Import from CSV', form);
}

function detail(main, user) {
  const profile = h('dl.props', { 'data-testid': 'profile' });
  const state = h('span.badge', { 'data-testid': 'online-state' }, '…');
  const sessions = h('tbody', { 'data-testid': 'sessions' });
  const kick = h('button', { type: 'button', 'data-testid': 'kick' }, 'Kick');
  const del = h('button.danger', { type: 'button', 'data-testid': 'delete' }, 'Delete account');
  main.append(h('header.page-head', h('a.back', { href: '#/accounts' }, '← Accounts'), h('h1.mono', user), state),
    h('div.cols',
      card('Profile', profile),
      h('div.stack',
        card('Sessions on this node', h('table.list', h('thead', h('tr', h('th', 'Platform'), h('th', 'Connection'), h('th', 'Logged in'))), sessions),
          h('div.row', kick, h('a.button', { href: `#/conversations?user=${encodeURIComponent(user)}` }, 'Conversations'))),
        card('Danger zone', h('p.muted', 'Deleting removes the account and everything that is its alone.'), del))));

  const loadProfile = async () => {
    const a = await attempt(() => call('profile/portrait_get', { To_Account: [user], TagList: PROFILE_TAGS }));
    const item = a && a.UserProfileItem[0];
    if (!item || item.ResultCode !== 0) {
      profile.replaceChildren(empty(item ? `Not an account (${item.ResultCode}).` : 'No profile.'));
      return;
    }
    profile.replaceChildren(...item.ProfileItem.flatMap((t) => [h('dt', t.Tag.replace('Tag_Profile_IM_', '')), h('dd', String(t.Value === '' ? '—' : t.Value))]));
  };
  const loadSessions = async () => {
    const a = await attempt(() => call('chatd_admin/user_sessions', { UserID: user }));
    if (!a) return;
    state.textContent = a.Status === 'Online' ? `Online · ${a.Sessions.length}` : 'Offline';
    state.classList.toggle('on', a.Status === 'Online');
    state.dataset.state = a.Status;
    sessions.replaceChildren(...(a.Sessions.length ? a.Sessions.map((x) => h('tr', { 'data-testid': 'session' },
      h('td', x.Platform), h('td.mono', `ws#${x.ConnId}`), h('td.muted', ago(x.LoginTime))))
      : [h('tr', h('td', { colspan: 3 }, empty('No live session.')))]));
  };
  kick.addEventListener('click', async () => {
    if (await attempt(() => call('im_open_login_svc/kick', { UserID: user }), `${user} kicked`)) setTimeout(loadSessions, 300);
  });
  del.addEventListener('click', async () => {
    if (!(await confirmDialog(`Delete ${user} and all their data? This cannot be undone.`, 'Delete'))) return;
    if (await attempt(() => call('im_open_login_svc/account_delete', { DeleteItem: [{ UserID: user }] }), `${user} deleted`)) go('#/accounts');
  });
  loadProfile();
  loadSessions();
  const timer = setInterval(loadSessions, 2000); // live: logins and kicks show up by themselves
  return () => clearInterval(timer);
}
