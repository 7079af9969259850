/** `parallel plan` through the built CLI: formats, -o FILE, bad format, working-copy note. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestRepo, SPEC_PLAN } from '../helpers/repo.js';

let repo: TestRepo;
beforeAll(() => {
  repo = new TestRepo();
  repo.commit({ '.parallel.yml': SPEC_PLAN }, 'plan');
});
afterAll(() => repo.cleanup());

describe('parallel plan', () => {
  it('prints markdown by default, mermaid and json on request, from a subdirectory too', () => {
    const md = repo.parallel(['plan']);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# Plan: client-portal/);
    expect(md.stdout).toContain('- [ ] Create the users table');
    expect(md.stderr).toBe('');
    repo.write('sub/dir/.keep', '');
    const mermaid = repo.parallel(['plan', '--format', 'mermaid'], { cwd: join(repo.dir, 'sub/dir') });
    expect(mermaid.stdout).toMatch(/^flowchart TD\n/);
    const json = JSON.parse(repo.parallel(['plan', '--format', 'json']).stdout) as { schema: number; waves: string[][] };
    expect(json).toMatchObject({ schema: 1, waves: [['schema'], ['auth', 'dashboard'], ['review-auth']] });
  });

  it('writes to a file with -o and says so; notes a working copy that differs', () => {
    repo.write('.parallel.yml', SPEC_PLAN.replace('The dashboard', 'The new dashboard'));
    const r = repo.parallel(['plan', '-o', 'PLAN.md']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Wrote PLAN.md (md).\n');
    expect(r.stderr).toMatch(/working copy of \.parallel\.yml, which differs from the committed one/);
    expect(readFileSync(join(repo.dir, 'PLAN.md'), 'utf8')).toContain('The new dashboard');
  });

  it('-o into a missing folder or onto a folder: exit 2 naming the path, no temp file left', () => {
    const missing = repo.parallel(['plan', '-o', '/nonexistent/x.md']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^parallel: cannot write the plan to \/nonexistent\/x\.md: its folder does not exist\./m);
    repo.write('src/.keep', '');
    const folder = repo.parallel(['plan', '-o', 'src']);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/^parallel: cannot write the plan to src: it is a folder\./m);
    expect(readdirSync(repo.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses an unknown format with exit 2', () => {
    const r = repo.parallel(['plan', '--format', 'html']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^parallel: unknown format "html"\. Use --format md, mermaid or json\./);
  });
});
