/**
 * What a commit (or a pending commit) changes, parsed from git's `--raw -z` output. Pure: the
 * git calls live in the callers. Always produced with `--no-renames`, so a rename is a deletion
 * plus an addition and both sides get judged.
 */

export interface Change {
  /** A (added), M (modified), D (deleted), T (type changed), ... */
  status: string;
  oldMode: string;
  newMode: string;
  oldOid: string;
  newOid: string;
  /** As git stores it (raw bytes decoded as UTF-8); judged after NFC normalization. */
  path: string;
}

export interface CommitChanges {
  commit: string;
  parents: string[];
  changes: Change[];
}

export const SYMLINK_MODE = '120000';
export const GITLINK_MODE = '160000';
/** git's empty tree, the "parent" of a root commit. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

function parseMeta(meta: string): Omit<Change, 'path'> | undefined {
  const m = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])\d*$/.exec(meta);
  if (!m) return undefined;
  return { oldMode: m[1]!, newMode: m[2]!, oldOid: m[3]!, newOid: m[4]!, status: m[5]! };
}

/** Entries of `git diff-index|diff-tree --raw -z --no-renames` output. */
export function parseRawZ(out: string): Change[] {
  const parts = out.split('\0');
  const changes: Change[] = [];
  for (let i = 0; i < parts.length; i++) {
    const meta = parseMeta(parts[i]!.replace(/^\n+/, ''));
    if (meta && i + 1 < parts.length) {
      changes.push({ ...meta, path: parts[i + 1]! });
      i++;
    }
  }
  return changes;
}

/** Marks the start of each commit's header in `git log --format=COMMIT_FORMAT -z --raw`. */
export const COMMIT_FORMAT = '%x01%H %P';

/**
 * Commits of `git log -z --raw --no-renames --format=COMMIT_FORMAT` (with `--remerge-diff` for
 * merges), in the order git printed them.
 */
export function parseLogZ(out: string): CommitChanges[] {
  const parts = out.split('\0');
  const commits: CommitChanges[] = [];
  let current: CommitChanges | undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!.replace(/^\n+/, '');
    if (part.startsWith('\x01')) {
      const [commit = '', ...parents] = part.slice(1).trim().split(' ').filter(Boolean);
      current = { commit, parents, changes: [] };
      commits.push(current);
      continue;
    }
    const meta = parseMeta(part);
    if (meta && current && i + 1 < parts.length) {
      current.changes.push({ ...meta, path: parts[i + 1]! });
      i++;
    }
  }
  return commits;
}
