/**
 * The CI workflow text (pure): every variant parses as YAML and carries the base, the Node setup
 * the project asks for, and the commands the queue needs.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ciWorkflow, githubWorkflow, gitlabWorkflow } from '../../src/integrate/ci-workflow.js';

type Job = { steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] };

describe('ci workflow text', () => {
  for (const lockfile of [true, false]) {
    for (const nodeVersionFile of [undefined, '.nvmrc']) {
      it(`github and gitlab parse (lockfile ${lockfile}, ${nodeVersionFile ?? 'node 20'})`, () => {
        const o = { base: 'trunk', lockfile, ...(nodeVersionFile ? { nodeVersionFile } : {}) };
        const gh = parse(githubWorkflow(o)) as { jobs: Record<string, Job> };
        const job = gh.jobs.integrate!;
        expect(job.steps[0]!.with!.ref).toBe('trunk');
        const node = job.steps.find((s) => s.uses?.startsWith('actions/setup-node'))!;
        expect(node.with).toEqual({ ...(nodeVersionFile ? { 'node-version-file': '.nvmrc' } : { 'node-version': 20 }), ...(lockfile ? { cache: 'npm' } : {}) });
        expect(job.steps.map((s) => s.run)).toContain(lockfile ? 'npm ci' : 'npm install');
        expect(job.steps.map((s) => s.run)).toContain('git config parallel.base trunk');
        const gl = parse(gitlabWorkflow(o)) as Record<string, { before_script?: string[] }>;
        expect(gl['.parallel-node']!.before_script).toEqual([lockfile ? 'npm ci' : 'npm install', 'git config parallel.base trunk']);
      });
    }
  }

  it('treats exit 4 as try-again and keeps every other exit code', () => {
    const gh = ciWorkflow('github', { base: 'main', lockfile: true });
    expect(gh).toContain('npx parallel integrate --land --push || code=$?');
    expect(gh).toMatch(/if \[ "\$code" -eq 4 \]; then .*code=0; fi\n\s+exit "\$code"/);
  });
});
