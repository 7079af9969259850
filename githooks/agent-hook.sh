# parallel: the command coding agents' hooks run (POSIX sh). Installed by "parallel agents
# install" (and "parallel start") into <common git dir>/parallel/hooks/agent-hook.sh with this
# installation's paths; run as: /bin/sh <that file> <agent> <event>, agent JSON on stdin.
#
# Claude Code lets an edit through when a hook exits with anything but 2, so every failure here
# (Node missing, parallel's files moved, a crash) is a refusal with exit 2 for pre-tool-use; the
# commit hooks stay the backstop. Other events never block the agent: their failures exit 1.
pl_dist='@PARALLEL_DIST@'
pl_node='@PARALLEL_NODE@'
pl_pkg='@PARALLEL_PKG@'
pl_hookdir=${0%/*}
pl_common=${pl_hookdir%/parallel/hooks}

pl_fail() {
  echo "parallel: $1" >&2
  if [ "$2" = pre-tool-use ]; then
    echo "parallel: the ownership check could not run, so this edit was refused. Run \"parallel doctor\" in the main worktree, or ask the person running this session." >&2
    exit 2
  fi
  exit 1
}

# Found the way the git hooks find it: the baked paths, then a local install next to the worktree
# or the main worktree, then a parallel on PATH.
pl_node_bin=
if [ -x "$pl_node" ]; then pl_node_bin=$pl_node; else pl_node_bin=$(command -v node 2>/dev/null) || pl_node_bin=; fi
pl_dist_dir=
for pl_d in "$pl_dist" "$PWD/node_modules/$pl_pkg/dist" "${pl_common%/.git}/node_modules/$pl_pkg/dist"; do
  if [ -f "$pl_d/cli/main.js" ]; then pl_dist_dir=$pl_d; break; fi
done
if [ -z "$pl_dist_dir" ] && pl_d=$(command -v parallel 2>/dev/null); then
  pl_d=$(readlink -f "$pl_d" 2>/dev/null) && pl_d=${pl_d%/cli/main.js} && [ -f "$pl_d/cli/main.js" ] && pl_dist_dir=$pl_d
fi
[ -n "$pl_node_bin" ] || pl_fail "cannot find Node.js (looked for $pl_node) to run agent-hook $1 $2." "$2"
[ -n "$pl_dist_dir" ] || pl_fail "cannot find parallel's files (looked for $pl_dist) to run agent-hook $1 $2." "$2"
"$pl_node_bin" "$pl_dist_dir/cli/main.js" agent-hook "$@"
pl_rc=$?
case $pl_rc in
  0|2) exit $pl_rc ;;
esac
pl_fail "agent-hook $1 $2 failed (exit $pl_rc)." "$2"
