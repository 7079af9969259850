/**
 * The report's stylesheet, inlined into the page. One colour per state, shared by graph nodes
 * (`state-<s>`), chips and timeline segments (`seg-<s>`, waiting reasons as `reason-<r>`); a state
 * this build does not know yet falls back to grey.
 */
export const REPORT_CSS = `
:root{--pending:#c7ccd4;--running:#3b82f6;--waiting:#f59e0b;--stale:#facc15;--timed_out:#ea580c;--missing:#a855f7;--done:#22c55e;--failed:#ef4444;--integrated:#15803d;--other:#94a3b8}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:20px 28px;color:#1f2937;background:#fff}
h1{margin:0 0 4px;font-size:24px}h2{margin:28px 0 10px;font-size:18px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}h3{margin:14px 0 6px;font-size:15px}
.meta,.drawn{margin:2px 0;color:#4b5563}.counts{margin:8px 0}
.count{display:inline-block;margin:0 6px 4px 0;padding:2px 8px;border-radius:10px;background:#f3f4f6;border-left:6px solid var(--other)}
.count-total{border-left-color:#374151}
.count-pending,.state-pending{--c:var(--pending)}.count-running,.state-running{--c:var(--running)}.count-waiting,.state-waiting{--c:var(--waiting)}
.count-stale,.state-stale{--c:var(--stale)}.count-timed_out,.state-timed_out{--c:var(--timed_out)}.count-missing,.state-missing{--c:var(--missing)}
.count-done,.state-done{--c:var(--done)}.count-failed,.state-failed{--c:var(--failed)}.count-integrated,.state-integrated{--c:var(--integrated)}
.count[class*=count-]:not(.count-total){border-left-color:var(--c,var(--other))}
.chip{font-size:12px;font-weight:normal;padding:1px 8px;border-radius:9px;background:var(--c,var(--other));color:#111}
.state-integrated.chip,.state-failed.chip,.state-running.chip,.state-missing.chip,.state-timed_out.chip{color:#fff}
svg text{font:12px system-ui,sans-serif;fill:#1f2937}
.graph .node rect{fill:var(--c,var(--other));stroke:#374151;stroke-width:1}
.graph .node.state-integrated text,.graph .node.state-failed text,.graph .node.state-running text,.graph .node.state-missing text,.graph .node.state-timed_out text{fill:#fff}
.graph .node-state{font-size:10px}.wave-label{fill:#6b7280;font-weight:600}
.edge{fill:none;stroke:#6b7280;stroke-width:1.5}.edge-reviews{stroke-dasharray:5 4;stroke:#8b5cf6}.arrowhead{fill:#6b7280}
.scroll{overflow-x:auto}
.row-bg{fill:#fff;stroke:#f1f5f9}.row:nth-of-type(even) .row-bg{fill:#f9fafb}.row-label{font-weight:600}.row-coordinator .row-label{fill:#6b7280;font-style:italic}
.tick{stroke:#e5e7eb}.tick-label{fill:#6b7280;font-size:11px}
.bar-frame{fill:none;stroke:#374151;stroke-width:.8}
.seg{fill:var(--other)}.seg-running{fill:var(--running)}.seg-stale{fill:var(--stale)}.seg-waiting{fill:var(--waiting)}
.seg-waiting.reason-permission{fill:#f97316}.seg-waiting.reason-idle{fill:#fbbf24}.seg-waiting.reason-exited{fill:#b45309}
.seg-timed_out{fill:var(--timed_out)}
.bar-end-done .bar-frame{stroke:#15803d;stroke-width:1.5}.bar-end-failed .bar-frame{stroke:#b91c1c;stroke-width:2}
.progress{fill:none;stroke:#fff;stroke-width:1.4;opacity:.9}
.marker{stroke:#111;stroke-width:1;fill:#fff}.marker-commit{fill:#111827}.marker-error{stroke:#b91c1c;stroke-width:2.2}
.marker-decision{fill:#8b5cf6}.marker-handoff{fill:#06b6d4}.marker-review.marker-approve{fill:#22c55e}.marker-review.marker-reject{fill:#ef4444}
.marker-integrate{fill:#15803d}.marker-integrate.marker-skipped{fill:#f97316}
.legend{color:#4b5563}.key{margin-right:14px;white-space:nowrap}.key svg{vertical-align:middle;margin-right:4px}.key.err{color:#b91c1c}
.run{border:1px solid #e5e7eb;border-radius:6px;padding:4px 14px 10px;margin:10px 0}.run ul{margin:4px 0;padding-left:18px}
.passed{color:#15803d}.failed{color:#b91c1c}.untested{color:#b45309}
table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid #e5e7eb;padding:3px 8px;text-align:left;vertical-align:top}
.skips .reason{font-weight:600;color:#b45309}
.matrix td{text-align:center;min-width:34px}.matrix .conflict{background:#fecaca;font-weight:600}.matrix .self{background:#f3f4f6}.matrix .clean{color:#9ca3af}
.phase{border-left:6px solid var(--c,var(--other));padding:2px 12px;margin:12px 0}.phase p{margin:3px 0}
.facts{color:#4b5563}.last-error{color:#b91c1c}
.checklist{list-style:none;padding-left:4px;margin:4px 0}.checklist input{margin-right:6px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f3f4f6;padding:0 3px;border-radius:3px}
.decisions time{color:#6b7280;margin-right:8px}
`;
