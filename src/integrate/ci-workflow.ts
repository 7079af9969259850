/**
 * The CI workflows `parallel ci init` writes (pure text): `verify` on pushes of phase branches,
 * and the merge queue (`integrate --land --push`) on demand, on a schedule and on pushes of phase
 * branches (CI systems do not trigger on pushes of notes refs), serialised by the CI's own
 * concurrency control, exit 4 ("the remote moved") taken as "try again next time". Plain YAML
 * with comments, for the user to read, commit and change.
 */

export type CiKind = 'github' | 'gitlab';

export interface CiOptions {
  /** The base branch (phases start from it, integrate lands on it). */
  base: string;
  /** `node-version-file` when the project pins Node (`.nvmrc`), else a version. */
  nodeVersionFile?: string;
  /** Whether the project has a package-lock.json (npm ci needs one; setup-node caches by it). */
  lockfile: boolean;
}

export const CI_FILES: Record<CiKind, string> = {
  github: '.github/workflows/parallel.yml',
  gitlab: '.gitlab/parallel.yml',
};

/** What the integrate step runs: exit 4 means another run moved the remote first, not a failure. */
export function integrateScript(): string[] {
  return [
    'code=0',
    'npx parallel integrate --land --push || code=$?',
    'if [ "$code" -eq 4 ]; then echo "parallel: the remote moved or another integrate runs; the next run picks it up."; code=0; fi',
    'exit "$code"',
  ];
}

/** Test logs and, where `parallel report` exists, its page, into one folder kept as an artifact. */
export function collectScript(): string[] {
  return [
    'mkdir -p parallel-artifacts',
    'cp -R "$(git rev-parse --git-common-dir)/parallel/integrate/logs" parallel-artifacts/ 2>/dev/null || true',
    'npx parallel report >/dev/null 2>&1 || true',
    'if [ -f .parallel/report.html ]; then cp .parallel/report.html parallel-artifacts/; fi',
  ];
}

const IDENTITY = ['git config user.name "parallel (CI)"', 'git config user.email "parallel-ci@users.noreply.invalid"'];

function block(lines: string[], indent: string): string {
  return lines.map((l) => `${indent}${l}`).join('\n');
}

export function githubWorkflow(o: CiOptions): string {
  const node = o.nodeVersionFile ? `node-version-file: ${o.nodeVersionFile}` : 'node-version: 20';
  const cache = o.lockfile ? '\n          cache: npm' : '';
  const install = o.lockfile ? 'npm ci' : 'npm install';
  const setup = (ref: string) => `      - uses: actions/checkout@v4
        with:${ref}
          # Full history: integrate merges and verify judges a phase's own commits from their merge base.
          fetch-depth: 0
      - uses: actions/setup-node@v4
        with:
          ${node}${cache}
      - run: ${install}
      - name: Base branch
        run: git config parallel.base ${o.base}`;
  return `# parallel: ownership checks and the merge queue on GitHub Actions.
# Written by "parallel ci init github"; yours to read, commit and change.
#
# verify     on every push of a phase branch (parallel/**): its own commits against ownership.
#            Make it a required status check for pull requests from parallel/** branches.
# integrate  on demand (Actions tab: Run workflow), every 30 minutes, and on pushes of phase
#            branches (GitHub does not trigger on pushes of refs/notes/parallel, where "done"
#            is recorded): merges done phases, tests, and pushes parallel/integration and
#            ${o.base} in one atomic push. One at a time (concurrency group below); exit 4 means
#            another run moved the remote first, so this run changed nothing there and the next
#            one picks the work up.
#
# Branch protection: this job pushes ${o.base}, parallel/integration and refs/notes/parallel with
# the workflow's GITHUB_TOKEN (permissions: contents: write). If ${o.base} is protected, let
# GitHub Actions push to it (a ruleset bypass, or a token of a user who may, in actions/checkout's
# "token:"); do not require pull requests, linear history or signed commits for it, because
# integrate lands merge commits it tested. Leave parallel/integration and refs/notes/parallel
# unprotected and never force-push them: integrate moves them with leases.
name: parallel

on:
  push:
    branches: ['parallel/**']
  workflow_dispatch:
  schedule:
    - cron: '*/30 * * * *'

permissions:
  contents: write

jobs:
  verify:
    if: github.event_name == 'push' && github.ref_name != 'parallel/integration'
    runs-on: ubuntu-latest
    steps:
${setup('')}
      # The commits integrate recorded as tested live in the coordination ref: without it, merges
      # on parallel/integration that the phase picked up would count as the phase's own.
      - name: Fetch the coordination ref
        run: git fetch --no-tags origin refs/notes/parallel:refs/notes/parallel || echo "no coordination ref on origin yet"
      - name: Verify the phase's commits against ownership
        run: npx parallel verify "\${GITHUB_REF_NAME#parallel/}"

  integrate:
    if: github.ref_name != 'parallel/integration'
    runs-on: ubuntu-latest
    # One merge queue at a time; a queued run waits instead of being cancelled.
    concurrency:
      group: parallel-integrate
      cancel-in-progress: false
    steps:
${setup(`\n          ref: ${o.base}`)}
      - name: Git identity for merge commits
        run: |
${block(IDENTITY, '          ')}
      - name: Integrate, test and land
        run: |
${block(integrateScript(), '          ')}
      - name: Collect the test logs and the report
        if: always()
        run: |
${block(collectScript(), '          ')}
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: parallel-integrate
          path: parallel-artifacts/
          if-no-files-found: ignore
`;
}

export function gitlabWorkflow(o: CiOptions): string {
  const install = o.lockfile ? 'npm ci' : 'npm install';
  const image = o.nodeVersionFile ? 'node:20  # match your .nvmrc' : 'node:20';
  const phaseRule = `$CI_COMMIT_BRANCH =~ /^parallel\\// && $CI_COMMIT_BRANCH != "parallel/integration"`;
  return `# parallel: ownership checks and the merge queue on GitLab CI.
# Written by "parallel ci init gitlab"; yours to read, commit and change. Add to .gitlab-ci.yml:
#
#   include:
#     - local: ${CI_FILES.gitlab}
#
# parallel-verify     on every push of a phase branch (parallel/*): its own commits against
#                     ownership. Require it in merge requests from parallel/* branches.
# parallel-integrate  on demand (Run pipeline), on a schedule you add (Build > Pipeline
#                     schedules), and on pushes of phase branches (GitLab does not run pipelines
#                     for pushes of refs/notes/parallel, where "done" is recorded): merges done
#                     phases, tests, and pushes parallel/integration and ${o.base} in one atomic
#                     push. One at a time (resource_group); exit 4 means another run moved the
#                     remote first, so this run changed nothing there and the next one picks it up.
#
# Pushing: the job token cannot push, so create a project access token with write_repository
# (role Maintainer if ${o.base} is protected) and store it as the masked CI/CD variable
# PARALLEL_PUSH_TOKEN. Branch protection: allow that token's role to push to ${o.base} (integrate
# lands merge commits it tested, without a merge request); leave parallel/integration unprotected
# and never force-push it or refs/notes/parallel: integrate moves them with leases.
# The jobs use the "test" stage; change it if your pipeline's stages differ.

.parallel-node:
  image: ${image}
  variables:
    # Full history: integrate merges and verify judges a phase's own commits from their merge base.
    GIT_DEPTH: 0
    GIT_STRATEGY: clone
  before_script:
    - ${install}
    - git config parallel.base ${o.base}

parallel-verify:
  extends: .parallel-node
  stage: test
  rules:
    - if: '${phaseRule}'
  script:
    # The commits integrate recorded as tested live in the coordination ref.
    - git fetch --no-tags origin refs/notes/parallel:refs/notes/parallel || echo "no coordination ref on origin yet"
    - npx parallel verify "\${CI_COMMIT_BRANCH#parallel/}"

parallel-integrate:
  extends: .parallel-node
  stage: test
  resource_group: parallel-integrate
  rules:
    - if: '$CI_PIPELINE_SOURCE == "web" || $CI_PIPELINE_SOURCE == "schedule" || $CI_PIPELINE_SOURCE == "api"'
    - if: '${phaseRule}'
  script:
${block(IDENTITY, '    - ')}
    - 'if [ -n "$PARALLEL_PUSH_TOKEN" ]; then git remote set-url origin "https://parallel:\${PARALLEL_PUSH_TOKEN}@\${CI_SERVER_HOST}/\${CI_PROJECT_PATH}.git"; fi'
    - |
${block(integrateScript(), '      ')}
  after_script:
${block(collectScript().map((l) => `'${l.replace(/'/g, "''")}'`), '    - ')}
  artifacts:
    when: always
    paths:
      - parallel-artifacts/
    expire_in: 2 weeks
`;
}

export function ciWorkflow(kind: CiKind, o: CiOptions): string {
  return kind === 'github' ? githubWorkflow(o) : gitlabWorkflow(o);
}
