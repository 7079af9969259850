/**
 * `npm run build`: everything that ships in dist/. tsc type-checks and writes the .d.ts files of
 * the library (dist/api.d.ts and what it references); esbuild bundles the library (ES modules,
 * lazily loaded parts as shared chunks in dist/chunks/) and each executable.
 *
 * An executable (`bin: true`) is one CommonJS bundle, `<name>.bundle.cjs`, run by a small launcher
 * (CommonJS too where its folder holds no library types, `commonjs: true`) at its usual path (dist/cli/main.js, the dist/hooks/*.js files githooks/parallel.sh runs). The
 * launcher compiles the bundle with V8's code cache (`vm.Script` `cachedData`, one cache file per
 * command next to the bundle, written once by the first run that finds none or finds it rejected,
 * and not by a run that exits 2, so a mistyped command leaves no file; V8 checks it against its
 * own version, the source's length only and, as the launcher asks, its checksum, so the cache
 * also records which bundle file it was made from). Node 20 has no compile cache of its own
 * and offers V8's only for CommonJS; compiling the bundle was most of what a short command such
 * as `parallel heartbeat` spent above `node -e 0`. With PARALLEL_DEBUG set the launcher turns on
 * source maps and loads the bundle plainly, so debug stacks name src/ lines. Where the package
 * folder is not writable there is simply no cache. Every bundle sits one folder below dist/ like
 * its source did, which keeps the paths the code derives from import.meta.url (package.json,
 * schema/, githooks/) right; in the CommonJS bundles import.meta.url is the bundle's file URL.
 *
 * An executable may also have a lean bundle (`lean`): the same entry with every dynamic import left
 * out but the workflows of its commands (those `lean: true` in src/cli/commands.ts), run by the
 * launcher for those commands. docs/ARCHITECTURE.md ("The session's reports run a lean bundle")
 * says why and how a command starts over in the full bundle (src/lean.ts).
 *
 * To add an entry: one line in ENTRIES.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/** A module of src/ whose imports are types or lazy, read at build time (one place for what the launcher must know). */
async function sourceModule(file) {
  const { outputFiles } = await build({ absWorkingDir: root, entryPoints: [file], write: false, format: 'esm', platform: 'node', logLevel: 'warning' });
  return import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString('base64')}`);
}
const { COMMANDS } = await sourceModule('src/cli/commands.ts');
const { FULL_BUNDLE_KEY } = await sourceModule('src/lean.ts');
const leanCommands = COMMANDS.filter((c) => c.lean);

const ENTRIES = [
  { src: 'src/api.ts', out: 'api' },
  {
    src: 'src/cli/main.ts', out: 'cli/main', bin: true, commonjs: true,
    // Kept: the modules the lean commands' loaders import (`() => import('../workflows/x.js')`).
    lean: { out: 'cli/session', commands: leanCommands.map((c) => c.name), keep: [...new Set(leanCommands.map((c) => /import\(["']([^"']+)["']\)/.exec(String(c.load))[1]))] },
  },
  { src: 'src/hooks/check.ts', out: 'hooks/check', bin: true },
  { src: 'src/hooks/post-commit.ts', out: 'hooks/post-commit', bin: true },
  { src: 'src/demo/demo.ts', out: 'demo/demo', bin: true, commonjs: true },
];

rmSync(dist, { recursive: true, force: true });

// Types and declarations (tsc's JavaScript output is not used).
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--emitDeclarationOnly'], { cwd: root, stdio: 'inherit' });

await build({
  absWorkingDir: root,
  entryPoints: ENTRIES.filter((e) => !e.bin).map((e) => ({ in: e.src, out: e.out })),
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
  await bundle(e.src, e.out);
  if (e.lean) await bundle(e.src, e.lean.out, leftOut(e.lean.keep));
  const file = join(dist, `${e.out}.js`);
  const lean = e.lean && { bundle: `./${relative(dirname(e.out), e.lean.out)}.bundle.cjs`, commands: e.lean.commands };
  writeFileSync(file, launcher(`./${basename(e.out)}.bundle.cjs`, e.commonjs, lean));
  chmodSync(file, 0o755);
  // Node starts a CommonJS launcher about 4 ms sooner than an ES module one (no ESM loader).
  if (e.commonjs) writeFileSync(join(dirname(file), 'package.json'), '{ "type": "commonjs" }\n');
}

/** One executable's CommonJS bundle, `<out>.bundle.cjs`. */
async function bundle(src, out, plugin) {
  await build({
    absWorkingDir: root,
    entryPoints: [src],
    outfile: join(dist, `${out}.bundle.cjs`),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    define: { 'import.meta.url': '__parallelUrl' },
    banner: { js: "var __parallelUrl = require('node:url').pathToFileURL(__filename).href;" },
    plugins: plugin ? [plugin] : [],
    logLevel: 'warning',
  });
  // The launcher is the executable: the source's #! line would not compile inside Module.wrap
  // (blanked, not removed, so the source map's lines still match).
  const file = join(dist, `${out}.bundle.cjs`);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^#![^\n]*/, ''));
}

/** The lean bundle's plugin: every dynamic import but the `keep` ones becomes a stub that calls leftOut (src/lean.ts). */
function leftOut(keep) {
  return {
    name: 'left-out',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (a) => (a.kind === 'dynamic-import' && !keep.includes(a.path) ? { path: a.path, namespace: 'left-out' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'left-out' }, (a) => ({
        contents: `import { leftOut } from './src/lean.ts';\nleftOut(${JSON.stringify(a.path)});\n`,
        resolveDir: root,
        loader: 'js',
      }));
    },
  };
}

/** The launcher of one executable (see the top of this file); `lean`: its lean bundle and the commands that run it. */
function launcher(bundle, commonjs, lean) {
  return `#!/usr/bin/env node
// Runs ${bundle}${lean ? ` (or ${lean.bundle} for ${lean.commands.join(', ')})` : ''} with V8's code cache (written by scripts/build.mjs; see there).
${commonjs ? "const Module = require('node:module');" : "import Module from 'node:module';\nconst require = Module.createRequire(import.meta.url);"}
const full = require.resolve(${JSON.stringify(bundle)});
if (process.env.PARALLEL_DEBUG && process.env.PARALLEL_DEBUG !== '0') {
  process.setSourceMapsEnabled(true);
  require(full);
} else {
  const { accessSync, constants, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } = require('node:fs');
  const { Script } = require('node:vm');
  const v8 = require('node:v8');
  const command = /^[a-z][a-z-]{0,30}$/.test(process.argv[2] ?? '') ? process.argv[2] : 'other';
  const run = (bundle) => {
    const dir = bundle.slice(0, bundle.lastIndexOf('/'));
    // V8 checks a cache against its version and the source's length, but not its bytes unless asked: a
    // cache damaged on disk (same size, other bytes) would crash every run of the command. Asked
    // only while this cache is read: left on, it checks every built-in module Node loads later too
    // (measured: about 10 ms of a heartbeat).
    v8.setFlagsFromString('--verify-snapshot-checksum');
    const cacheFile = \`\${bundle}.\${command}.v8cache\`;
    // V8 checks a cache against the source's length only, so the cache's first line names the
    // bundle file it was made from (inode, size, mtime): a bundle replaced or edited in place by
    // one of the same length must not run the old code.
    const st = statSync(bundle);
    const key = Buffer.from(\`\${st.ino}:\${st.size}:\${st.mtimeMs}\\n\`);
    let cachedData;
    try {
      const data = readFileSync(cacheFile);
      if (data.subarray(0, key.length).equals(key)) cachedData = data.subarray(key.length);
    } catch { /* first run of this command: none yet */ }
    const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
    v8.setFlagsFromString('--no-verify-snapshot-checksum');
    const writable = () => { try { accessSync(dir, constants.W_OK); return true; } catch { return false; } };
    // A read-only package folder (a global install): no cache, and no time spent making one.
    if ((!cachedData || script.cachedDataRejected) && writable()) {
      process.once('exit', (code) => {
        // Exit 2 is bad usage, a mistyped command among others: no cache file per typo.
        if (code === 2) return;
        const tmp = \`\${cacheFile}.\${process.pid}\`;
        try {
          // Made under the same flags it is read with (V8 rejects a cache made under others).
          v8.setFlagsFromString('--verify-snapshot-checksum');
          writeFileSync(tmp, Buffer.concat([key, script.createCachedData()]));
          renameSync(tmp, cacheFile);
        } catch { /* the folder became read-only meanwhile: no cache */
          try { unlinkSync(tmp); } catch { /* never written */ }
        }
      });
    }
    const mod = new Module(bundle, null);
    mod.filename = bundle;
    mod.paths = Module._nodeModulePaths(bundle);
    script.runInThisContext()(mod.exports, Module.createRequire(bundle), mod, bundle, dir);
  };
${lean ? `  // The lean bundle, unless the command acts for a phase from elsewhere: that reads the plan, so
  // it would start over in the full bundle anyway (only time is saved here, not correctness).
  const lean = ${JSON.stringify(lean.commands)}.includes(command) && !process.argv.slice(3).some((a) => a === '--phase' || a.startsWith('--phase='));
  if (lean) {
    // For a command that starts over in the full bundle (src/lean.ts).
    globalThis[Symbol.for(${JSON.stringify(FULL_BUNDLE_KEY)})] = () => run(full);
    run(require.resolve(${JSON.stringify(lean.bundle)}));
  } else {
    run(full);
  }` : '  run(full);'}
}
`;
}
