/**
 * The plan's `copy` list: untracked files (`.env`, local config) copied from the main worktree
 * into a new one. A file that already exists in the new worktree (a tracked one) is never
 * overwritten, so copying cannot make the new worktree dirty.
 */
import { cpSync, existsSync, readdirSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GLOB_CHARS } from '../core/glob-rules.js';

export interface CopyReport {
  copied: string[];
  /** Entries that matched nothing in the main worktree. */
  missing: string[];
}

function copyOne(from: string, to: string, rel: string): void {
  const src = join(from, rel);
  const dst = join(to, rel);
  mkdirSync(dirname(dst), { recursive: true });
  cpSync(src, dst, { recursive: true, force: false, errorOnExist: false, verbatimSymlinks: true });
}

/** Files below `dir` (relative to `root`), in name order, skipping `.git`; symlinks are listed, not followed. */
export function walk(root: string, dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(join(root, dir));
  } catch {
    return;
  }
  for (const name of names.sort()) {
    if (name === '.git') continue;
    const rel = dir ? `${dir}/${name}` : name;
    const st = lstatSync(join(root, rel));
    if (st.isDirectory()) walk(root, rel, out);
    else out.push(rel);
  }
}

export async function copyPlanFiles(patterns: readonly string[], fromWorktree: string, toWorktree: string): Promise<CopyReport> {
  const report: CopyReport = { copied: [], missing: [] };
  for (const pattern of patterns) {
    const entry = pattern.replace(/\/+$/, '');
    if (!GLOB_CHARS.test(entry)) {
      if (existsSync(join(fromWorktree, entry)) || isLink(join(fromWorktree, entry))) {
        copyOne(fromWorktree, toWorktree, entry);
        report.copied.push(entry);
      } else report.missing.push(pattern);
      continue;
    }
    // A glob: walk from its literal prefix and match what is there.
    const segments = entry.split('/');
    const firstGlob = segments.findIndex((s) => GLOB_CHARS.test(s));
    const prefix = segments.slice(0, firstGlob).join('/');
    const { compilePatterns } = await import('../core/ownership.js');
    const match = compilePatterns([entry]);
    const files: string[] = [];
    walk(fromWorktree, prefix, files);
    const hits = files.filter((f) => match(f));
    if (hits.length === 0) report.missing.push(pattern);
    for (const rel of hits) {
      copyOne(fromWorktree, toWorktree, rel);
      report.copied.push(rel);
    }
  }
  return report;
}

/**
 * The files under `root` that the plan's `copy` list names (a listed folder stands for every
 * file below it), whether git tracks, ignores or does not know them.
 */
export async function listCopyFiles(patterns: readonly string[], root: string): Promise<string[]> {
  const out = new Set<string>();
  for (const pattern of patterns) {
    const entry = pattern.replace(/\/+$/, '');
    if (!entry) continue;
    if (!GLOB_CHARS.test(entry)) {
      let st;
      try {
        st = lstatSync(join(root, entry));
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        const files: string[] = [];
        walk(root, entry, files);
        for (const f of files) out.add(f);
      } else out.add(entry);
      continue;
    }
    const segments = entry.split('/');
    const prefix = segments.slice(0, segments.findIndex((s) => GLOB_CHARS.test(s))).join('/');
    const { compilePatterns } = await import('../core/ownership.js');
    const match = compilePatterns([entry]);
    const files: string[] = [];
    walk(root, prefix, files);
    for (const f of files) if (match(f)) out.add(f);
  }
  return [...out].sort();
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
