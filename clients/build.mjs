// Builds the clients: the SDK's ES modules and declarations (tsc → js/dist), its one-file
// minified browser bundle (esbuild → js/dist/chatd-sdk.min.js, size reported), and the web demo
// (web-demo/build.mjs, when present).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = new URL('.', import.meta.url).pathname;
execFileSync(`${here}node_modules/.bin/tsc`, ['-p', `${here}js`], { stdio: 'inherit' });
await esbuild.build({
  entryPoints: [`${here}js/src/index.ts`],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  outfile: `${here}js/dist/chatd-sdk.min.js`,
  logLevel: 'warning',
});
const min = readFileSync(`${here}js/dist/chatd-sdk.min.js`);
console.log(`chatd-sdk: ${min.length} bytes minified, ${gzipSync(min).length} bytes gzipped`);
if (existsSync(`${here}web-demo/build.mjs`)) await import(`${here}web-demo/build.mjs`);
