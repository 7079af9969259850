/**
 * The real Claude Code CLI from the dev dependency `@anthropic-ai/claude-code`. With
 * `ignore-scripts=true` its postinstall never ran, so `bin/claude.exe` is still the 500-byte
 * placeholder: run its own installer (it links the platform package's native binary over it; a
 * no-op when that is done).
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './repo.js';

export function claudeBinary(): string {
  const pkg = join(ROOT, 'node_modules', '@anthropic-ai', 'claude-code');
  const bin = join(pkg, 'bin', 'claude.exe');
  if (statSync(bin).size < 1_000_000) {
    const r = spawnSync(process.execPath, ['install.cjs'], { cwd: pkg, encoding: 'utf8' });
    if (r.status !== 0 || statSync(bin).size < 1_000_000) throw new Error(`Claude Code's installer did not put its binary in place: ${r.stderr}`);
  }
  return bin;
}
