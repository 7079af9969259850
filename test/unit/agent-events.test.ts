/** Agent payloads onto the common event, hook-skipping commands, and merging hook settings (pure). */
import { describe, expect, it } from 'vitest';
import { fitContext, hookSkip, parsePayload, patchPaths, PayloadError, toAgentEvent } from '../../src/core/agent-events.js';
import { hasCurrent, withOurs, withoutOurs } from '../../src/core/agent-settings.js';

describe('adapters', () => {
  it('maps Claude Code and Codex payloads, ignoring unknown fields', () => {
    const c = toAgentEvent('claude', 'pre-tool-use', { session_id: 's', cwd: '/w', tool_name: 'NotebookEdit', tool_input: { notebook_path: '/w/a.ipynb' }, extra: 1 });
    expect(c).toEqual({ agent: 'claude', event: 'pre-tool-use', sessionId: 's', cwd: '/w', tool: 'NotebookEdit', paths: ['/w/a.ipynb'] });
    const x = toAgentEvent('codex', 'pre-tool-use', { session_id: 'x', tool_name: 'apply_patch', tool_input: { command: '*** Begin Patch\n*** Update File: a.ts\n*** Move to: b.ts\n*** Delete File: c.ts\n*** End Patch' } });
    expect(x.paths).toEqual(['a.ts', 'b.ts', 'c.ts']);
    expect(toAgentEvent('claude', 'stop', { last_assistant_message: 'hi' }).message).toBe('hi');
    expect(toAgentEvent('claude', 'notification', { notification_type: 'permission_prompt', message: 'Claude needs your permission to use Bash' })).toMatchObject({ kind: 'permission_prompt', message: 'Claude needs your permission to use Bash' });
    expect(toAgentEvent('claude', 'pre-tool-use', { tool_name: 'Bash', tool_input: { command: 'ls' } })).toMatchObject({ command: 'ls', paths: [] });
  });

  it('a payload that is not a JSON object is a PayloadError', () => {
    expect(() => parsePayload('nope')).toThrow(PayloadError);
    expect(() => parsePayload('[1]')).toThrow(PayloadError);
    expect(parsePayload('{"a":1}')).toEqual({ a: 1 });
  });

  it('patchPaths reads only the file header lines', () => {
    expect(patchPaths('*** Add File: x\n+*** Add File: y\n')).toEqual(['x']);
  });

  it('fits context within the limit and names the brief file when it cuts', () => {
    expect(fitContext('short', 100, '/b')).toBe('short');
    const long = fitContext('x'.repeat(20_000), 10_000, '/w/.parallel/BRIEF.md');
    expect(long.length).toBeLessThanOrEqual(10_000);
    expect(long).toContain('/w/.parallel/BRIEF.md');
  });
});

describe('hookSkip', () => {
  it.each([
    ['git commit --no-verify -m x', true], ['git commit -nm x', true], ['git commit -am x -n', true], ['git -c core.hooksPath=/x commit', true],
    ['PARALLEL=0 git commit -m x', true], ['export PARALLEL=0', true], ['git commit -m "n"', false], ['git log -n 3', false], ['npm test', false],
  ])('%s -> %s', (cmd, refused) => {
    expect(Boolean(hookSkip(cmd))).toBe(refused);
  });
});

describe('settings merging', () => {
  const cmd = (e: string) => `/bin/sh '/r/.git/parallel/hooks/agent-hook.sh' claude ${e}`;
  const user = { model: 'x', hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'echo mine' }] }] } };
  it('adds ours once, keeps the user\'s, and takes out exactly ours', () => {
    const once = withOurs(user, 'claude', cmd);
    const twice = withOurs(once, 'claude', cmd);
    expect(twice).toEqual(once);
    expect(hasCurrent(once, 'claude', cmd)).toBe(true);
    expect(hasCurrent(user, 'claude', cmd)).toBe(false);
    const pre = (once.hooks as Record<string, { hooks: { command: string }[] }[]>).PreToolUse!;
    expect(pre.map((g) => g.hooks[0]!.command)).toEqual(['echo mine', cmd('pre-tool-use')]);
    expect(withoutOurs(once)).toEqual(user);
    expect(withoutOurs(withOurs({}, 'claude', cmd))).toEqual({});
  });
});
