// Regenerates the Node-made UserSig vectors in tests/unit/test_usersig.c (see README.md here).
'use strict';

const TLSSigAPIv2 = require('tls-sig-api-v2');

const SDKAPPID = 1400000000;
const KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
// The e2e tests set NOW_MS to the current time to get UserSigs that are still valid.
const NOW_MS = process.env.NOW_MS ? Number(process.env.NOW_MS) : 1700000000000;

Date.now = () => NOW_MS;

const api = new TLSSigAPIv2.Api(SDKAPPID, KEY);
const cases = [
    ['administrator', 15552000],
    ['alice', 86400],
    ['张三_émile', 3600],
    ['abcdefghijklmnopqrstuvwxyz_01234', 604800],
];

for (const [id, expire] of cases) {
    console.log(JSON.stringify({ identifier: id, time: NOW_MS / 1000, expire: expire,
                                 usersig: api.genUserSig(id, expire) }));
}
console.log(JSON.stringify({ identifier: 'alice', time: NOW_MS / 1000, expire: 300,
                             privatemapkey: { roomid: 1234, privilege: 255 },
                             usersig: api.genPrivateMapKey('alice', 300, 1234, 255) }));
