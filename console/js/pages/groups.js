// Groups: search by GroupId or name prefix (chatd_admin/group_search); a group's profile
// (get_group_info), members with roles and mutes (get_group_member_info,
// get_group_muted_account); change its profile (modify_group_base_info), send a system
// notification (send_group_system_notification), dismiss it (destroy_group).
import { call } from '../api.js';
import { go } from '../app.js';
import { attempt, card, confirmDialog, empty, field, h, pagedList, when } from '../ui.js';

const SVC = 'group_open_http_svc';

export function render(main, r) {
  if (r.rest[0]) return detail(main, r.rest[0]);
  return list(main, r.query.get('q') || '');
}

function list(main, q) {
  const input = h('input', { type: 'search', placeholder: 'GroupId or name prefix', value: q, 'data-testid': 'group-search' });
  const rows = h('tbody', { 'data-testid': 'group-rows' });
  const more = h('button', { type: 'button', hidden: true }, 'More');
  const row = (g) => h('tr.clickable', { 'data-testid': 'group-row', 'data-group': g.GroupId, onclick: () => go(`#/groups/${encodeURIComponent(g.GroupId)}`) },
    h('td.mono', g.GroupId), h('td', g.Name), h('td', h('span.tag', g.Type)), h('td.num', g.MemberNum),
    h('td.mono', g.Owner_Account || '—'), h('td.muted', when(g.CreateTime)));
  const load = pagedList(rows, more, async (after) => {
    const a = await attempt(() => call('chatd_admin/group_search', { Prefix: input.value.trim(), AfterGroupId: after, Limit: 50 }));
    return a && { items: a.Groups, next: a.NextAfterGroupId };
  }, row, 'No group matches.', 6);
  main.append(h('header.page-head', h('h1', 'Groups')),
    card('Find',
      h('form.row', { onsubmit: (e) => { e.preventDefault(); load(true); } }, input, h('button.primary', { type: 'submit' }, 'Search')),
      h('table.list', h('thead', h('tr', h('th', 'GroupId'), h('th', 'Name'), h('th', 'Type'), h('th', 'Members'), h('th', 'Owner'), h('th', 'Created'))), rows),
      more));
  load(true);
}

function detail(main, gid) {
  const info = h('dl.props', { 'data-testid': 'group-info' });
  const members = h('tbody', { 'data-testid': 'members' });
  const name = h('input', { name: 'Name', 'data-testid': 'group-name' });
  const intro = h('textarea', { name: 'Introduction', rows: 2 });
  const notice = h('textarea', { name: 'Notification', rows: 2 });
  const face = h('input', { name: 'FaceUrl' });
  const sys = h('textarea', { rows: 2, placeholder: 'Shown to every member, not stored in history', 'data-testid': 'system-text' });

  const load = async () => {
    const a = await attempt(() => call(`${SVC}/get_group_info`, { GroupIdList: [gid] }));
    const g = a && a.GroupInfo[0];
    if (!g || g.ErrorCode) { info.replaceChildren(empty(g ? `${g.ErrorCode} ${g.ErrorInfo}` : 'No such group.')); return; }
    const props = [['Type', g.Type], ['Owner', g.Owner_Account || '—'], ['Members', `${g.MemberNum} of ${g.MaxMemberNum}`],
      ['Created', when(g.CreateTime)], ['Join', g.ApplyJoinOption], ['Mute all', g.ShutUpAllMember || 'Off'], ['Next seq', g.NextMsgSeq]];
    info.replaceChildren(...props.flatMap(([k, v]) => [h('dt', k), h('dd', String(v ?? '—'))]));
    name.value = g.Name || '';
    intro.value = g.Introduction || '';
    notice.value = g.Notification || '';
    face.value = g.FaceUrl || '';
    const [m, muted] = await Promise.all([
      attempt(() => call(`${SVC}/get_group_member_info`, { GroupId: gid, Limit: 200, Offset: 0 })),
      attempt(() => call(`${SVC}/get_group_muted_account`, { GroupId: gid })),
    ]);
    const mutes = new Map(((muted && muted.MutedAccountList) || []).map((x) => [x.Member_Account, x.MutedUntil]));
    members.replaceChildren(...((m && m.MemberList) || []).map((x) => h('tr', { 'data-testid': 'member' },
      h('td.mono', h('a', { href: `#/accounts/${encodeURIComponent(x.Member_Account)}` }, x.Member_Account)),
      h('td', h(`span.tag.${(x.Role || 'Member').toLowerCase()}`, x.Role)), h('td', x.NameCard || ''),
      h('td.muted', when(x.JoinTime)),
      h('td', mutes.has(x.Member_Account) ? h('span.bad', `muted until ${when(mutes.get(x.Member_Account))}`) : ''))));
    if (!members.children.length) members.append(h('tr', h('td', { colspan: 5 }, empty('No members.'))));
  };

  const edit = h('form.form', {
    onsubmit: async (e) => {
      e.preventDefault();
      const ok = await attempt(() => call(`${SVC}/modify_group_base_info`, { GroupId: gid, Name: name.value, Introduction: intro.value, Notification: notice.value, FaceUrl: face.value }), 'Group profile saved');
      if (ok) load();
    },
  }, field('Name', name), field('Introduction', intro), field('Notification', notice), field('Face URL', face),
  h('button.primary', { type: 'submit', 'data-testid': 'group-save' }, 'Save'));

  const notify = h('form.form', {
    onsubmit: async (e) => {
      e.preventDefault();
      if (await attempt(() => call(`${SVC}/send_group_system_notification`, { GroupId: gid, Content: sys.value }), 'System message sent')) sys.value = '';
    },
  }, sys, h('button.primary', { type: 'submit', 'data-testid': 'system-send' }, 'Send'));

  const dismiss = h('button.danger', {
    type: 'button', 'data-testid': 'dismiss',
    onclick: async () => {
      if (!(await confirmDialog(`Dismiss ${gid}? Members lose the group and its history.`, 'Dismiss'))) return;
      if (await attempt(() => call(`${SVC}/destroy_group`, { GroupId: gid }), `${gid} dismissed`)) go('#/groups');
    },
  }, 'Dismiss group');

  main.append(h('header.page-head', h('a.back', { href: '#/groups' }, '← Groups'), h('h1.mono', gid),
    h('a.button', { href: `#/conversations?group=${encodeURIComponent(gid)}` }, 'History')),
  h('div.cols',
    h('div.stack', card('Group', info), card('Members', h('table.list', h('thead', h('tr', h('th', 'Member'), h('th', 'Role'), h('th', 'Name card'), h('th', 'Joined'), h('th', 'Mute'))), members))),
    h('div.stack', card('Profile', edit), card('System message', notify), card('Danger zone', dismiss))));
  load();
}
