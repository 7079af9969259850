/**
 * `parallel report` end to end, looked at in a real browser (the system's Chromium, headless):
 * what a person sees of a real run (phases started, committed, done, failed, integrated with a
 * conflict), that text from events stays text, that the screenshot is a picture; an empty store
 * and a long history both draw; a second clone after `parallel sync` draws the same page.
 * Tests that need Chromium say so and skip when it is missing (CI installs it, so CI never skips).
 */
import { existsSync, readFileSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fixture, planYaml, letterPhases, type IntegrateJson } from './integrate-fixture.js';
import { chromiumPath, dumpDom, screenshot, decodePng, pixelStats } from '../helpers/browser.js';
import { chunkSession } from '../../src/store/merge.js';
import { runImport, type ImportOp } from '../../src/store/fast-import.js';
import type { StatusEvent } from '../../src/store/types.js';

const SCRIPT = '<script>document.title="pwned"</script>';
const browser = chromiumPath();
const needsChromium = describe.skipIf(!browser);
if (!browser) console.warn('report-browser: chromium is not installed; the browser tests are skipped (CI installs it).');

/** Drawn-at aside, the page as text for comparing two drawings. */
const withoutDrawnAt = (html: string) => html.replace(/Drawn at [^<]*/, 'Drawn at -');

function run(f: Fixture): { code: number; stdout: string; stderr: string; file: string } {
  const r = f.repo.parallel(['report']);
  return { ...r, file: join(f.repo.dir, '.parallel', 'report.html') };
}

needsChromium('parallel report of a real run (needs chromium)', () => {
  let f: Fixture;
  let integrate: IntegrateJson;
  let dom: string;
  let html: string;

  beforeAll(() => {
    f = new Fixture(planYaml({ name: 'shop', test: 'true', shared: ['shared.txt'], phases: letterPhases(4) }), { 'shared.txt': 'base\n' });
    f.start('alpha', 'beta', 'gamma', 'delta');
    f.work('alpha', { 'alpha/a': 'a\n', 'shared.txt': 'alpha\n' });
    f.done('alpha');
    f.work('beta', { 'beta/b': 'b\n', 'shared.txt': 'beta\n' });
    f.done('beta');
    f.ok(['heartbeat', '-p', '30', '-m', SCRIPT], { cwd: f.worktree('gamma') });
    f.ok(['error', '-m', 'disk <full> & "slow"'], { cwd: f.worktree('gamma') });
    f.ok(['handoff', '-m', 'half done'], { cwd: f.worktree('gamma') });
    f.ok(['fail', '-m', 'blocked'], { cwd: f.worktree('delta') });
    f.ok(['decide', SCRIPT]);
    integrate = f.integrate().data;
    const r = run(f);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('.parallel/report.html');
    html = readFileSync(r.file, 'utf8');
    dom = dumpDom(r.file);
  }, 120_000);
  afterAll(() => f?.cleanup());

  it('writes the page under .parallel/ in the main worktree, which git ignores', () => {
    expect(f.repo.git(['status', '--porcelain']).stdout).toBe('');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
  });

  it('shows the header with the dashboard\'s counts (the numbers of status --json)', () => {
    const status = f.repo.json<{ counts: Record<string, number> }>(['status']).data;
    expect(dom).toContain('<h1>Parallel: shop</h1>');
    expect(dom).toMatch(/base main · 4 phases · 1 wave</);
    for (const [state, n] of Object.entries(status.counts)) expect(dom).toMatch(new RegExp(`data-state="${state}">[^<]* ${n}</span>`));
    expect(status.counts).toMatchObject({ integrated: 1, done: 1, running: 1, failed: 1 });
  });

  it('renders text from events as text: the script in a heartbeat and a decision never runs', () => {
    expect(dom).toContain('<title>Parallel: shop</title>');
    expect(dom).not.toMatch(/<script/i);
    expect(dom).toContain('&lt;script&gt;document.title="pwned"&lt;/script&gt;');
    expect(dom).toContain('disk &lt;full&gt; &amp; "slow"');
  });

  it('draws a graph node and a timeline row per phase, one bar per session with its states', () => {
    for (const [id, state] of [['alpha', 'integrated'], ['beta', 'done'], ['gamma', 'running'], ['delta', 'failed']]) {
      expect(dom).toContain(`<g class="node state-${state}" data-phase="${id}">`);
      expect(dom).toContain(`<g class="row" data-phase="${id}">`);
      expect(dom.match(new RegExp(`<g class="bar [^"]*" data-session="${id}"`, 'g'))).toHaveLength(1);
    }
    expect(dom).toMatch(/<g class="bar bar-end-done has-running" data-session="alpha"/);
    expect(dom).toMatch(/<g class="bar bar-end-open has-running" data-session="gamma"/);
    expect(dom).toMatch(/<g class="bar bar-end-failed has-running" data-session="delta"/);
    // Markers: commits, the error, the handoff, the decision and the integrate run (hover text in <title>).
    expect(dom).toMatch(/<g class="marker marker-commit"><title>[^<]*commit [0-9a-f]{7}/);
    expect(dom).toMatch(/<g class="marker marker-error"><title>[^<]*error: disk &lt;full&gt;/);
    expect(dom).toMatch(/<g class="marker marker-handoff"><title>[^<]*handoff: half done/);
    expect(dom).toMatch(/<g class="marker marker-decision"><title>[^<]*decision: &lt;script&gt;/);
    expect(dom).toMatch(/<g class="marker marker-integrate marker-run"><title>[^<]*integrate run: integrated alpha; skipped beta \(conflict\)/);
    expect(dom).toMatch(/<polyline class="progress"/);
  });

  it('lists the integrate run with what integrate --json said: merged, skipped with reasons, head, tests', () => {
    expect(integrate.integrated).toEqual(['alpha']);
    const run = /<div class="run"[\s\S]*?<\/div>/.exec(dom)![0];
    expect(run).toContain('<b class="merged">alpha</b>');
    expect(run).toContain(`<code>${integrate.head}</code>`);
    expect(run).toContain(`true passed in ${integrate.tests!.seconds}s`);
    for (const s of integrate.skipped) {
      expect(run).toContain(`<tr class="skip skip-${s.reason}" data-phase="${s.id}"><td>${s.id}</td><td class="reason">${s.reason}</td>`);
    }
    expect(integrate.skipped.map((s) => s.reason).sort()).toEqual(['conflict', 'not_done', 'not_done']);
  });

  it('shows the conflict matrix of parallel conflicts, and the checklists and decisions', () => {
    const conflicts = f.repo.json<{ pairs: { a: string; b: string; files: string[] }[] }>(['conflicts']).data.pairs;
    expect(conflicts.some((p) => p.a === 'alpha' && p.b === 'beta')).toBe(true);
    for (const p of conflicts) expect(dom).toContain(`<b>${p.a}</b> × <b>${p.b}</b>: ${p.files.map((x) => `<code>${x}</code>`).join(', ')}`);
    expect(dom).toMatch(/<td class="conflict" title="shared.txt">1<\/td>/);
    expect(dom).toMatch(/<ol class="decisions"><li><time>[^<]+<\/time> &lt;script&gt;/);
  });

  it('takes a screenshot that is a picture, not a blank page', () => {
    const png = screenshot(join(f.repo.dir, '.parallel', 'report.html'), join(f.root, 'shot.png'));
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([1280, 1600]);
    const stats = pixelStats(img);
    expect(stats.colours).toBeGreaterThan(50);
    expect(stats.nonBackground).toBeGreaterThan(0.03);
  });

  it('writes -o FILE, limits the timeline with --since, and --open starts the opener', () => {
    const bin = join(f.root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" > ${join(f.root, 'opened')}\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    const out = join(f.root, 'later.html');
    const r = f.repo.parallel(['report', '-o', out, '--since', '1m', '--open'], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    const page = readFileSync(out, 'utf8');
    expect(page).toMatch(/events since \d{4}-\d\d-\d\d/);
    for (let i = 0; i < 50 && !existsSync(join(f.root, 'opened')); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    expect(readFileSync(join(f.root, 'opened'), 'utf8').trim()).toBe(out);
    const at = f.repo.parallel(['report', '-o', out, '--since', '2000-01-01T00:00Z']);
    expect(at.code, at.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('events since 2000-01-01 00:00:00 UTC');
    const bad = f.repo.parallel(['report', '--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^parallel: --since "yesterday" is neither a time nor a duration\. Write a time like/);
    const nowhere = f.repo.parallel(['report', '-o', join(f.root, 'no', 'such', 'dir', 'r.html')]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/cannot write the report to .*: its folder does not exist/);
  });
});

needsChromium('parallel report of an empty store and of a long history (needs chromium)', () => {
  it('draws a plan nobody started', () => {
    const f = new Fixture(planYaml({ name: 'quiet', phases: letterPhases(3, { gamma: ['alpha'] }) }));
    try {
      const r = run(f);
      expect(r.code, r.stderr).toBe(0);
      const dom = dumpDom(r.file);
      for (const id of ['alpha', 'beta', 'gamma']) {
        expect(dom).toContain(`<g class="node state-pending" data-phase="${id}">`);
        expect(dom).toContain(`<g class="row" data-phase="${id}">`);
      }
      expect(dom).not.toMatch(/<g class="bar /);
      expect(dom).toContain('No integrate run yet.');
      expect(dom).toContain('No phase branches yet; nothing can conflict.');
    } finally {
      f.cleanup();
    }
  });

  it('draws thousands of events, one bar per session, under 1 MB', () => {
    const f = new Fixture(planYaml({ name: 'busy', phases: letterPhases(3) }));
    try {
      const t0 = Date.now() - 3 * 3_600_000;
      const ops: ImportOp[] = [];
      for (const id of ['alpha', 'beta', 'gamma']) {
        const list: StatusEvent[] = [];
        for (let i = 0; i < 1500; i++) {
          const at = new Date(t0 + i * 7000).toISOString();
          list.push({ at, id: `${at.replace(/[-:.TZ]/g, '')}-${id}${i}`, type: i === 0 ? 'start' : i % 100 === 9 ? 'error' : 'heartbeat', workspace: 'busy', phase: id, session: id, progress: Math.round(i / 15), message: `step ${i} <${id}>` });
        }
        ops.push(...chunkSession(id, id, list));
      }
      const res = runImport(f.repo.dir, { from: null, message: 'history', ops });
      expect(res.ok).toBe(true);
      const r = run(f);
      expect(r.code, r.stderr).toBe(0);
      expect(statSync(r.file).size).toBeLessThan(1_000_000);
      const dom = dumpDom(r.file);
      expect(dom.match(/<g class="bar /g)).toHaveLength(3);
      expect(dom.match(/<g class="marker marker-error">/g)).toHaveLength(45);
      expect(dom).toContain('error: step 9 &lt;alpha&gt;');
    } finally {
      f.cleanup();
    }
  });
});

describe('parallel report in a second clone after sync', () => {
  it('draws the same page, the time it was drawn aside', () => {
    const f = new Fixture(planYaml({ name: 'twins', test: 'true', phases: letterPhases(3) }));
    try {
      const remote = join(f.root, 'remote.git');
      f.repo.git(['init', '-q', '--bare', '-b', 'main', remote]);
      f.repo.git(['remote', 'add', 'origin', remote]);
      f.start('alpha', 'beta', 'gamma');
      f.work('alpha', { 'alpha/a': 'a\n' });
      f.done('alpha');
      f.work('beta', { 'beta/b': 'b\n' });
      f.ok(['fail', '-m', 'no <luck>'], { cwd: f.worktree('beta') });
      f.ok(['done', '-m', 'nothing to do'], { cwd: f.worktree('gamma') });
      f.ok(['decide', 'keep it small']);
      expect(f.integrate(['--land']).code).toBe(0);
      // What `integrate --push` shares: base and the integration branch.
      f.repo.git(['push', '-q', 'origin', 'main', 'parallel/integration']);
      expect(f.ok(['sync']).code).toBe(0);
      const clone = join(f.root, 'clone');
      f.repo.git(['clone', '-q', remote, clone]);
      f.repo.git(['config', 'parallel.base', 'main'], { cwd: clone });
      expect(f.repo.parallel(['sync'], { cwd: clone }).code).toBe(0);
      const here = run(f);
      const there = f.repo.parallel(['report'], { cwd: clone });
      expect(there.code, there.stderr).toBe(0);
      const a = readFileSync(here.file, 'utf8');
      const b = readFileSync(join(clone, '.parallel', 'report.html'), 'utf8');
      expect(a).toContain('<g class="node state-integrated" data-phase="alpha">');
      expect(a).toContain('no &lt;luck&gt;');
      expect(withoutDrawnAt(b)).toBe(withoutDrawnAt(a));
    } finally {
      f.cleanup();
    }
  }, 120_000);
});
