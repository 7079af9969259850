/**
 * `npm run demo`: the whole story in a throwaway repository, narrated. A foundation phase, three
 * parallel phases, a refused commit, progress reports, one failed session, status, integrate with
 * tests, `git log` showing the notes, `--land`, and the report of the run (kept in the temp
 * folder). It drives the built CLI exactly as a user would.
 * (A demo is its own program, so it spawns processes directly.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');
const tty = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const bold = (s: string) => (tty ? `\u001b[1m${s}\u001b[22m` : s);
const dim = (s: string) => (tty ? `\u001b[2m${s}\u001b[22m` : s);
const keep = process.argv.includes('--keep');

const root = realpathSync(mkdtempSync(join(tmpdir(), 'parallel-demo-')));
const home = join(root, 'home');
const repo = join(root, 'shop');
mkdirSync(home);
mkdirSync(repo);
writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = Demo\n\temail = demo@example.com\n[init]\n\tdefaultBranch = main\n');
const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, GIT_CONFIG_GLOBAL: join(home, '.gitconfig'), GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' };
for (const k of Object.keys(env)) if (k.startsWith('GIT_') && !['GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM'].includes(k)) delete env[k];
delete env.PARALLEL;

let failures = 0;
let step = 0;

function say(text: string): void {
  console.log(`\n${bold(`${++step}. ${text}`)}`);
}

function show(out: string): void {
  const trimmed = out.replace(/\s+$/, '');
  if (trimmed) console.log(trimmed.split('\n').map((l) => `   ${l}`).join('\n'));
}

/** Run a command in `cwd`, print it and its output, and check its exit code. */
function run(cmd: string, args: string[], opts: { cwd?: string; expect?: number; quiet?: boolean; label?: string } = {}): string {
  const cwd = opts.cwd ?? repo;
  const where = cwd === repo ? '' : `(${cwd.slice(root.length + 1)}) `;
  console.log(dim(`   ${where}$ ${opts.label ?? (cmd === process.execPath ? ['parallel', ...args.slice(1)] : [cmd, ...args]).map(quote).join(' ')}`));
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8' });
  // Progress goes to stderr as it happens and the summary to stdout at the end: show them in that order.
  const out = `${r.stderr ?? ''}${r.stdout ?? ''}`;
  if (!opts.quiet) show(out);
  const expect = opts.expect ?? 0;
  if (r.status !== expect) {
    failures++;
    console.log(`   !! expected exit ${expect}, got ${r.status}`);
    if (opts.quiet) show(out);
  }
  return r.stdout ?? '';
}

const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
const parallel = (args: string[], opts: { cwd?: string; expect?: number; quiet?: boolean } = {}) => run(process.execPath, [CLI, ...args], opts);
const git = (args: string[], opts: { cwd?: string; expect?: number; quiet?: boolean } = {}) => run('git', args, opts);
function write(dir: string, files: Record<string, string>): void {
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
}
const wt = (phase: string) => join(root, `shop-${phase}`);
// The report outlives the throwaway repository (which is removed at the end unless --keep).
const reportFile = join(tmpdir(), 'parallel-demo-report.html');

const PLAN = `# yaml-language-server: $schema=https://unpkg.com/git-parallel/schema/parallel.schema.json
version: 1
name: shop
base: main
test: node test.js
shared: [package.json]
phases:
  - id: schema
    task: Database schema for products and orders
    owns: [src/db/]
    checklist: [Products table, Orders table]
  - id: catalog
    needs: [schema]
    task: Product catalog API
    owns: [src/catalog/]
  - id: checkout
    needs: [schema]
    task: Checkout and payment
    owns: [src/checkout/]
  - id: admin
    needs: [schema]
    task: Admin screens
    owns: [src/admin/]
`;

const TEST = `// The project's test: every module present loads and exports a name.
const fs = require('fs');
for (const dir of fs.readdirSync('src')) {
  const mod = require('./src/' + dir + '/index.js');
  if (typeof mod.name !== 'string') { console.error(dir + ' exports no name'); process.exit(1); }
}
console.log('all modules load');
`;

try {
  say('A throwaway repository with a plan of four phases: a foundation and three that can run at once.');
  write(repo, { 'README.md': '# shop\n', 'test.js': TEST, 'package.json': '{ "name": "shop", "private": true }\n', '.parallel.yml': PLAN, 'src/db/index.js': "exports.name = 'db';\n" });
  git(['init', '-q', '-b', 'main'], { quiet: true });
  git(['add', '-A'], { quiet: true });
  git(['commit', '-q', '-m', 'shop: start'], { quiet: true });
  console.log(`   repository: ${repo}`);

  say('parallel init records the base, installs the hooks and makes git log show the notes.');
  parallel(['init']);
  say('parallel check validates the plan: waves, overlaps, files nobody owns.');
  parallel(['check']);
  say('parallel plan renders it for readers (a mermaid graph included).');
  const planMd = parallel(['plan'], { quiet: true });
  show(planMd.split('\n').slice(0, 16).join('\n') + '\n...');

  say('Start the foundation phase: its own branch and worktree, with a brief for the session.');
  parallel(['start', 'schema']);
  const brief = parallel(['brief', 'schema'], { quiet: true });
  show(brief.split('\n').slice(0, 14).join('\n') + '\n...');
  write(wt('schema'), { 'src/db/index.js': "exports.name = 'db';\nexports.tables = ['products', 'orders'];\n" });
  git(['commit', '-qam', 'db: products and orders tables'], { cwd: wt('schema') });
  parallel(['task', '1'], { cwd: wt('schema') });
  parallel(['task', '2'], { cwd: wt('schema') });
  parallel(['done', '-m', 'tables ready'], { cwd: wt('schema') });
  say('Integrate the foundation so the next wave can start from it.');
  parallel(['integrate']);

  say('Start every phase whose needs are met: three sessions at once, each with its own port.');
  parallel(['start', '--ready']);

  say('Sessions commit normally. A commit outside the phase\'s ownership is refused by the hook.');
  write(wt('catalog'), { 'src/catalog/index.js': "exports.name = 'catalog';\n", 'src/checkout/index.js': "exports.name = 'sneaky';\n" });
  git(['add', '-A'], { cwd: wt('catalog'), quiet: true });
  git(['commit', '-qm', 'catalog: list products (and touch checkout)'], { cwd: wt('catalog'), expect: 1 });
  git(['rm', '-q', '--cached', 'src/checkout/index.js'], { cwd: wt('catalog'), quiet: true });
  rmSync(join(wt('catalog'), 'src/checkout'), { recursive: true, force: true });
  git(['commit', '-qm', 'catalog: list products'], { cwd: wt('catalog') });

  write(wt('checkout'), { 'src/checkout/index.js': "exports.name = 'checkout';\n" });
  git(['add', '-A'], { cwd: wt('checkout'), quiet: true });
  git(['commit', '-qm', 'checkout: cart and payment'], { cwd: wt('checkout') });

  say('Sessions report progress; one of them fails.');
  parallel(['heartbeat', '-p', '60', '-m', 'payment provider wired'], { cwd: wt('checkout') });
  parallel(['done', '-m', 'catalog API ready'], { cwd: wt('catalog') });
  parallel(['done', '-m', 'checkout ready'], { cwd: wt('checkout') });
  parallel(['error', '-m', 'design tokens missing'], { cwd: wt('admin') });
  parallel(['fail', '-m', 'blocked on design'], { cwd: wt('admin') });

  say('The dashboard.');
  parallel(['status']);

  say('Integrate: merge the done phases in dependency order in a scratch worktree, run the tests, land on main.');
  parallel(['integrate', '--land'], { expect: 0 });

  say('git log shows who did what: the notes travel with the commits.');
  git(['log', '--oneline', '-n', '6', 'main']);
  git(['log', '-n', '1', 'main^2']);
  git(['log', '-n', '1', 'main']);
  parallel(['status']);

  say('parallel report draws the whole run as one self-contained HTML page: graph, timeline, integrate runs, conflicts.');
  parallel(['report', '-o', reportFile]);
} finally {
  if (keep) console.log(`\nKept the demo repository at ${repo}`);
  else rmSync(root, { recursive: true, force: true });
}

if (failures) {
  console.log(`\nThe demo saw ${failures} unexpected result${failures === 1 ? '' : 's'} (above).`);
  process.exitCode = 1;
} else {
  console.log('\nDone: four phases, one refused commit, one failed session, three phases integrated and landed, all tested.');
  console.log(`The report of this run: ${reportFile}`);
}
