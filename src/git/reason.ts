/**
 * git's own words for why a command failed, fit for the middle of a one-paragraph
 * `parallel: what. fix.` message: git prints several lines ("fatal: ..." twice, then advice for
 * a human at a terminal) and ends them with a period, which the message adds itself.
 */
export function gitReason(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const said = lines.filter((l) => /^(fatal|error):/.test(l));
  const kept = (said.length ? said : lines).map((l) => l.replace(/^(fatal|error):\s*/, '').replace(/\.+$/, ''));
  return [...new Set(kept)].join('; ') || 'git gave no reason';
}
