// Builds the web demo into dist/: src/main.ts bundled with the SDK's sources (esbuild: one
// minified ES module, main.js), index.html and style.css. Run by clients/build.mjs after the
// SDK, or alone: node clients/web-demo/build.mjs. Type-check with: tsc -p clients/web-demo
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = new URL('.', import.meta.url).pathname;
const dist = `${here}dist`;
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await esbuild.build({
  entryPoints: [`${here}src/main.ts`],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  sourcemap: 'linked',
  outfile: `${dist}/main.js`,
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) copyFileSync(`${here}${f}`, `${dist}/${f}`);
const js = readFileSync(`${dist}/main.js`);
const css = readFileSync(`${dist}/style.css`);
console.log(`web-demo: main.js ${js.length} bytes minified (${gzipSync(js).length} gzipped), ` +
  `style.css ${css.length} bytes → ${dist}`);
