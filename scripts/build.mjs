/**
 * `npm run build`: everything that ships in dist/. tsc type-checks and writes the .d.ts files of
 * the library (dist/api.d.ts and what it references); esbuild bundles each entry below into one
 * file, with lazily loaded commands as shared chunks (dist/chunks/), so a start reads a few files
 * instead of resolving and compiling dozens of small modules.
 *
 * An executable (`bin: true`) is a two-line launcher at its usual path (dist/cli/main.js, the
 * dist/hooks/*.js files githooks/parallel.sh runs) that turns on source maps when PARALLEL_DEBUG is
 * set, then imports its bundle (`<name>.bundle.js` next to it), so debug stacks name src/ lines.
 * Every bundle sits one folder below dist/ like its source did, which keeps the paths the code
 * derives from import.meta.url (package.json, schema/, githooks/) right.
 *
 * To add an entry: one line in ENTRIES.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRIES = [
  { src: 'src/api.ts', out: 'api' },
  { src: 'src/cli/main.ts', out: 'cli/main', bin: true },
  { src: 'src/hooks/check.ts', out: 'hooks/check', bin: true },
  { src: 'src/hooks/post-commit.ts', out: 'hooks/post-commit', bin: true },
  { src: 'src/demo/demo.ts', out: 'demo/demo', bin: true },
];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

// Types and declarations (tsc's JavaScript output is not used).
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--emitDeclarationOnly'], { cwd: root, stdio: 'inherit' });

await build({
  absWorkingDir: root,
  entryPoints: ENTRIES.map((e) => ({ in: e.src, out: e.bin ? `${e.out}.bundle` : e.out })),
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  // yaml is CommonJS and requires Node built-ins; bundled into ES modules it needs a require.
  banner: { js: "import { createRequire as __parallelRequire } from 'node:module'; const require = __parallelRequire(import.meta.url);" },
  logLevel: 'warning',
});

for (const e of ENTRIES.filter((x) => x.bin)) {
  const file = join(dist, `${e.out}.js`);
  writeFileSync(file, [
    '#!/usr/bin/env node',
    "if (process.env.PARALLEL_DEBUG && process.env.PARALLEL_DEBUG !== '0') process.setSourceMapsEnabled(true);",
    `await import('./${basename(e.out)}.bundle.js');`,
    '',
  ].join('\n'));
  chmodSync(file, 0o755);
}
