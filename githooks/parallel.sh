# parallel: the shared part of parallel's git hooks (POSIX sh, sourced by every hook file).
#
# Installed by "parallel init" (and repaired by "parallel start") into <common git dir>/parallel/hooks,
# the folder every phase worktree uses through a per-worktree core.hooksPath. Each hook first runs
# the repository's own hook of the same name (the folder git would use without parallel: core.hooksPath
# or .git/hooks), then parallel's check. The common case is decided here without starting Node:
# git lists the staged entries once, and the phase's compiled rules (written by Node per plan blob
# under <common>/parallel/rules/) decide. Anything this file cannot decide exactly goes to Node,
# which explains a refusal. This file refuses an ownership question itself only with the owners
# and the text Node compiled for the plan (pl_refuse_staged); otherwise it may only allow.
#
# Values baked in at install time (see src/hooks/install.ts):
pl_dist='@PARALLEL_DIST@'
pl_node='@PARALLEL_NODE@'
pl_pkg='@PARALLEL_PKG@'

pl_hook=${0##*/}
pl_hookdir=${0%/*}
pl_common=${pl_hookdir%/parallel/hooks}
pl_state=$pl_common/parallel/cache/hook-state
pl_state_head='# parallel-hook-state 2'
pl_nl='
'
pl_tab='	'

# PARALLEL_DEBUG=1 says on stderr how each hook decided (the fast path, or Node and why).
pl_debug() {
  case ${PARALLEL_DEBUG-} in ''|0) ;; *) echo "parallel: [$pl_hook] $*" >&2 ;; esac
}

# The worktree's private git dir. git exports GIT_DIR to hooks in linked worktrees; in the main
# worktree it does not (and the main worktree is never a phase).
pl_find_gitdir() {
  if [ -n "${GIT_DIR-}" ]; then
    pl_gitdir=$GIT_DIR
  elif [ -d .git ]; then
    pl_gitdir=.git
  else
    pl_gitdir=$(git rev-parse --absolute-git-dir 2>/dev/null) || pl_gitdir=
  fi
}

# The phase marker (<worktree git dir>/parallel-phase): sets pl_phase and pl_reviewer (read by the
# hook file's pl_marker).
pl_read_marker() {
  pl_phase= pl_reviewer=
  pl_marker "$pl_gitdir" || return 1
  pl_phase=$pl_ph pl_reviewer=$pl_rv
}

# The oid of refs/heads/<name> ($1) in pl_oid: the loose ref file when there is one (no process
# started), else the value recorded with the state (packed-refs is watched for changes).
pl_base_now() {
  pl_oid=
  if [ -f "$pl_common/refs/heads/$1" ]; then
    IFS= read -r pl_oid < "$pl_common/refs/heads/$1" || pl_oid=
    case $pl_oid in *[!0-9a-f]*|'') pl_oid=$(git rev-parse -q --verify "refs/heads/$1^{commit}" 2>/dev/null) || pl_oid= ;; esac
  else
    pl_oid=$pl_base_oid
  fi
}

# The cached state (base, its commit, the plan blob on it, the repository's own hooks path, the
# config files they came from) is shell assignments, read by sourcing it: dash's read builtin
# takes one byte per system call, a sourced file one call. It is fresh while no config file it
# came from changed and base still points where it did.
pl_state_read() {
  pl_l=
  { IFS= read -r pl_l < "$pl_state"; } 2>/dev/null && [ "$pl_l" = "$pl_state_head" ] && . "$pl_state"
}

pl_state_fresh() {
  pl_base= pl_base_oid= pl_blob= pl_uh= pl_files=
  pl_state_read || return 1
  pl_ifs=$IFS; IFS=$pl_nl; set -f
  for pl_l in $pl_files; do
    if [ "$pl_l" -nt "$pl_state" ]; then IFS=$pl_ifs; set +f; return 1; fi
  done
  IFS=$pl_ifs; set +f
  [ -n "$pl_base" ] || return 0
  pl_base_now "$pl_base"
  [ "$pl_oid" = "$pl_base_oid" ]
}

# Recompute the state with git (a few calls; runs only after a config change or a move of base).
pl_refresh_state() {
  mkdir -p "$pl_common/parallel/cache" 2>/dev/null
  pl_tmp=$pl_state.$$
  : > "$pl_tmp" || return 0
  pl_base=$(git config --get parallel.base 2>/dev/null) || pl_base=
  pl_base_from=config
  if [ -z "$pl_base" ]; then
    pl_base_from=head
    pl_l=
    IFS= read -r pl_l < "$pl_common/HEAD" 2>/dev/null
    case $pl_l in 'ref: refs/heads/'*) pl_base=${pl_l#ref: refs/heads/} ;; esac
  fi
  pl_uh=-
  pl_l=$(git config --show-scope --get-all core.hooksPath 2>/dev/null) || pl_l=
  while IFS= read -r pl_line; do
    case $pl_line in system"$pl_tab"*|global"$pl_tab"*|local"$pl_tab"*) pl_uh="=${pl_line#*"$pl_tab"}" ;; esac
  done <<PL_EOF
$pl_l
PL_EOF
  pl_files="$pl_common/config$pl_nl$pl_common/packed-refs"
  # A base taken from the main worktree's branch goes stale when that worktree switches branch.
  [ "$pl_base_from" = config ] || pl_files="$pl_files$pl_nl$pl_common/HEAD"
  pl_l=$(git config --list --show-origin --name-only 2>/dev/null) || pl_l=
  while IFS= read -r pl_line; do
    case $pl_line in
      file:/*)
        pl_line=${pl_line#file:}
        pl_line=${pl_line%%"$pl_tab"*}
        case "$pl_nl$pl_files$pl_nl" in *"$pl_nl$pl_line$pl_nl"*) ;; *) pl_files="$pl_files$pl_nl$pl_line" ;; esac ;;
    esac
  done <<PL_EOF
$pl_l
PL_EOF
  pl_base_oid= pl_blob=
  if [ -n "$pl_base" ]; then
    pl_base_oid=$(git rev-parse -q --verify "refs/heads/$pl_base^{commit}" 2>/dev/null) || pl_base_oid=
    [ -z "$pl_base_oid" ] || pl_blob=$(git rev-parse -q --verify "$pl_base_oid:.parallel.yml" 2>/dev/null) || pl_blob=
  fi
  # What this git process was given with -c (GIT_CONFIG_PARAMETERS, GIT_CONFIG_COUNT) holds for
  # this run only: a one-off base or hooks path must not become every later run's.
  if [ -n "${GIT_CONFIG_PARAMETERS-}${GIT_CONFIG_COUNT-}" ]; then rm -f "$pl_tmp"; return 0; fi
  # The file gets the time from before the reads above, so a config change made meanwhile is newer.
  if { printf '%s\n' "$pl_state_head"; pl_sq pl_base "$pl_base"; pl_sq pl_base_from "$pl_base_from"; pl_sq pl_base_oid "$pl_base_oid"; pl_sq pl_blob "$pl_blob"; pl_sq pl_uh "$pl_uh"; pl_sq pl_files "$pl_files"; } > "$pl_tmp.w" &&
    touch -r "$pl_tmp" "$pl_tmp.w" 2>/dev/null; then
    mv -f "$pl_tmp.w" "$pl_state" 2>/dev/null
  fi
  rm -f "$pl_tmp" "$pl_tmp.w"
}

# Print the assignment $1='$2', quoted for the shell (a ' becomes '\'').
pl_sq() {
  pl_q= pl_r=$2
  while :; do
    case $pl_r in
      *"'"*) pl_q="$pl_q${pl_r%%"'"*}'\\''"; pl_r=${pl_r#*"'"} ;;
      *) printf "%s='%s'\n" "$1" "$pl_q$pl_r"; return ;;
    esac
  done
}

pl_load_state() {
  pl_state_fresh || { pl_debug 'cached state is stale: reading config and base again'; pl_refresh_state; }
}

# The folder of the repository's own hooks (what git would use here without parallel).
pl_user_dir() {
  case $pl_uh in
    =/*) pl_udir=${pl_uh#=} ;;
    =~/*) pl_udir=$HOME/${pl_uh#=~/} ;;
    =?*) pl_udir=$PWD/${pl_uh#=} ;;
    *) pl_udir=$pl_common/hooks ;;
  esac
}

# Run the repository's own hook of this name with our arguments (stdin is passed through).
pl_chain() {
  pl_user_dir
  [ "$pl_udir" != "$pl_hookdir" ] && [ -f "$pl_udir/$pl_hook" ] && [ -x "$pl_udir/$pl_hook" ] || return 0
  "$pl_udir/$pl_hook" "$@"
}

# Node and parallel's compiled files: the ones recorded at install, else what this worktree, the
# main worktree or PATH provide.
pl_find_node() {
  pl_node_bin=
  if [ -x "$pl_node" ]; then pl_node_bin=$pl_node; else pl_node_bin=$(command -v node 2>/dev/null) || pl_node_bin=; fi
  pl_dist_dir=
  for pl_d in "$pl_dist" "$PWD/node_modules/$pl_pkg/dist" "${pl_common%/.git}/node_modules/$pl_pkg/dist"; do
    if [ -f "$pl_d/hooks/check.js" ]; then pl_dist_dir=$pl_d; break; fi
  done
  if [ -z "$pl_dist_dir" ] && pl_d=$(command -v parallel 2>/dev/null); then
    pl_d=$(readlink -f "$pl_d" 2>/dev/null) && pl_d=${pl_d%/cli/main.js} && [ -f "$pl_d/hooks/check.js" ] && pl_dist_dir=$pl_d
  fi
  [ -n "$pl_node_bin" ] && [ -n "$pl_dist_dir" ]
}

# Let Node decide (and explain a refusal). Exit status is the verdict.
pl_node_check() {
  if ! pl_find_node; then
    echo "parallel: cannot find Node.js or parallel's files (looked for $pl_dist) to check this ${pl_what:-commit} of phase ${pl_phase:-?}. Reinstall git-parallel (npm install -D git-parallel) and run \"parallel init\" in the main worktree; to skip the check once, set PARALLEL=0 (parallel verify and integrate still check)." >&2
    return 1
  fi
  pl_debug "asking Node ($pl_dist_dir/hooks/check.js $*)"
  "$pl_node_bin" "$pl_dist_dir/hooks/check.js" "$@"
}

# The phase's ($1) compiled rules for the plan blob on base: defines pl_tier and its functions.
# Fails when they are not compiled yet (Node compiles them). A phase the plan does not have:
# with $2 = shared, the shared-only rules (what Node's pre-commit applies to it); with $2 = none,
# pl_tier=none (Node's reference-transaction does not judge branches of phases not in the plan).
pl_rules_for() {
  pl_tier=
  [ -n "$pl_blob" ] || return 1
  case $1 in [!a-z]*|*[!a-z0-9_-]*) return 1 ;; esac
  pl_rdir=$pl_common/parallel/rules/$pl_blob
  if [ -f "$pl_rdir/$1" ]; then
    . "$pl_rdir/$1"
  elif [ ! -f "$pl_rdir/.complete" ]; then
    return 1
  elif [ "$2" = none ]; then
    pl_tier=none
    return 0
  elif [ -f "$pl_rdir/.not-in-plan" ]; then
    . "$pl_rdir/.not-in-plan"
  else
    return 1
  fi
  [ -n "$pl_tier" ] && [ "$pl_tier" != node ] && [ "$pl_tier" != none ]
}

# Judge raw diff output ($1, paths quoted by core.quotePath). Fails (1) when Node must decide:
# a quoted path (non-ASCII, control characters, quotes), a symlink or submodule, the plan file.
# With case rules it also judges every path: 2 when the only trouble is paths the phase may not
# change and each reads plainly in a message (they are in pl_refused, one per line, in git's
# order); 1 when such a path needs quoting (Node explains it).
pl_scan() {
  case "$pl_nl$1$pl_nl" in
    *"$pl_tab\""*) return 1 ;;
    *":120000 "*|*" 120000 "*|*":160000 "*|*" 160000 "*) return 1 ;;
    *"$pl_tab.parallel.yml$pl_nl"*) return 1 ;;
  esac
  [ "$pl_tier" = case ] || return 0
  pl_refused=
  # Lines split on newlines with globbing off (no read loop: dash reads a byte per system call).
  pl_ifs=$IFS; IFS=$pl_nl; set -f
  for pl_line in $1; do
    case $pl_line in
      :*)
        pl_p=${pl_line#*"$pl_tab"}
        pl_allowed "$pl_p" && continue
        case $pl_p in -*|*[!ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-]*) IFS=$pl_ifs; set +f; return 1 ;; esac
        pl_refused="$pl_refused$pl_p$pl_nl" ;;
    esac
  done
  IFS=$pl_ifs; set +f
  [ -z "$pl_refused" ] || return 2
}

# Explain the refusal of the paths in pl_refused without Node, with the owners and the text Node
# compiled for this plan (<rules>/.owners, only when every phase's rules are case patterns, and
# only for a phase the plan has). Fails when that file is not there (Node explains then).
pl_refuse_staged() {
  [ -f "$pl_rdir/$pl_phase" ] && [ -f "$pl_rdir/.owners" ] || return 1
  . "$pl_rdir/.owners" || return 1
  {
    while IFS= read -r pl_p; do
      [ -n "$pl_p" ] && pl_refuse "$pl_p"
    done <<PL_EOF
$pl_refused
PL_EOF
    printf '%s\n' "$pl_refused_footer"
  } >&2
  pl_debug 'refused by the shell fast path (case rules; owners compiled by Node)'
}

pl_clear_pathspec_env() {
  unset GIT_LITERAL_PATHSPECS GIT_ICASE_PATHSPECS GIT_GLOB_PATHSPECS GIT_NOGLOB_PATHSPECS
}

# The entries of the commit being made, in git's raw diff format (extra options in "$@"; the
# rules' pathspecs may follow): staged against HEAD in pre-commit; for a commit whose pre-commit
# deferred its check (pl_defer), the new commit's tree against HEAD's ($pl_tree_old, $pl_tree_new),
# which is what was staged. diff-tree reads the index for nothing here, so it is given none.
pl_staged_diff() {
  git -c core.quotePath=true diff-index --cached --no-renames --ignore-submodules=none HEAD "$@"
}
pl_commit_diff() {
  GIT_INDEX_FILE=$pl_gitdir/parallel-no-index/index git -c core.quotePath=true diff-tree -r --no-renames --ignore-submodules=none "$pl_tree_old" "$pl_tree_new" "$@"
}

# pre-commit and pre-merge-commit (pl_diff=pl_staged_diff), or a deferred pre-commit judged in
# reference-transaction (pl_diff=pl_commit_diff): the commit's entries against the phase's rules.
pl_check_staged() {
  pl_what=commit
  if [ -n "$pl_reviewer" ]; then
    echo "parallel: this is the worktree of reviewer phase $pl_phase; every commit here is refused. Record your verdict with \"parallel review approve -m MSG\" or \"parallel review reject -m MSG\" instead." >&2
    return 1
  fi
  pl_clear_pathspec_env
  if [ "$pl_hook" != pre-merge-commit ] && [ ! -f "$pl_gitdir/MERGE_HEAD" ] && pl_rules_for "$pl_phase" shared; then
    pl_s=1
    if pl_out=$($pl_diff 2>/dev/null); then pl_scan "$pl_out"; pl_s=$?; fi
    [ "$pl_s" = 2 ] && pl_refuse_staged && return 1
    if [ "$pl_s" = 0 ]; then
      [ "$pl_tier" = case ] && { pl_debug 'allowed by the shell fast path (case rules)'; return 0; }
      if pl_out=$(pl_outside $pl_diff --name-only 2>/dev/null) && [ -z "$pl_out" ] &&
        pl_out=$(pl_excluded $pl_diff --name-only 2>/dev/null) && [ -z "$pl_out" ]; then
        pl_debug 'allowed by the shell fast path (git pathspecs)'
        return 0
      fi
    fi
  fi
  if [ "$pl_diff" = pl_commit_diff ]; then pl_node_check pre-commit-tree "$pl_tree_old" "$pl_tree_new"; else pl_node_check "$pl_hook"; fi
}

# reference-transaction: one update ($2 old, $3 new, $pl_ref) that no pre-commit vouched for, of
# refs/heads/parallel/<$1>, or ($1 empty) of HEAD or another branch in phase worktree $pl_phase.
# A one-commit fast-forward is decided with one git call (two for rules git must match). In a
# phase worktree, of its own branch, HEAD or another branch, that is the commit being made there
# (git runs no pre-commit of ours unless the repository has one to chain): judged as pre-commit
# judges staged entries, with the phase's rules (shared ones only for a phase the plan does not
# have), and refused here with pre-commit's words unless the commit is base's or the integration
# branch's (a fast-forward by "parallel update": Node judges it). Another phase's branch: by that
# phase's rules. Of HEAD or another branch, what is not a commit on the old value (a checkout, a
# reset) is not judged. Fails (1) when Node must decide, 2 when refused here (words printed).
pl_check_update() {
  pl_own= pl_any=
  if [ -z "$1" ]; then
    pl_own=1 pl_any=1
    pl_rules_for "$pl_phase" shared || return 1
  else
    case $2 in *[!0]*) ;; *) return 1 ;; esac
    if [ "$1" = "$pl_phase" ]; then
      pl_own=1
      pl_rules_for "$1" shared || return 1
    else
      pl_rules_for "$1" none || return 1
      [ "$pl_tier" = none ] && return 0
    fi
  fi
  pl_out=$(GIT_INDEX_FILE=$pl_gitdir/parallel-no-index/index git -c core.quotePath=true diff-tree -r --root --raw --no-renames --ignore-submodules=none --always --format=%P "$3" -- 2>/dev/null) || return 1
  # The new commit's parents: the old value alone, or none for a root commit on a new ref.
  pl_l=${pl_out%%"$pl_nl"*}
  case $2 in *[!0]*) ;; *) pl_l=${pl_l:-$2} ;; esac
  if [ "$pl_l" != "$2" ]; then
    [ -n "$pl_any" ] && return 0
    return 1
  fi
  pl_scan "${pl_out#*"$pl_nl"}"
  case $? in
    0) ;;
    2)
      [ -n "$pl_own" ] && [ -n "$pl_base" ] || return 1
      pl_out=$(git for-each-ref --format='%(refname)' --contains "$3" "refs/heads/$pl_base" refs/heads/parallel/integration 2>/dev/null) || return 1
      [ -z "$pl_out" ] || return 1
      pl_refuse_staged && return 2
      return 1 ;;
    *) return 1 ;;
  esac
  [ "$pl_tier" = case ] && { pl_debug "allowed by the shell fast path (case rules)"; return 0; }
  pl_out=$(pl_outside git -c core.quotePath=true diff-tree -r --no-renames --ignore-submodules=none --name-only "$2" "$3" 2>/dev/null) && [ -z "$pl_out" ] &&
    pl_out=$(pl_excluded git -c core.quotePath=true diff-tree -r --no-renames --ignore-submodules=none --name-only "$2" "$3" 2>/dev/null) && [ -z "$pl_out" ] &&
    pl_debug "allowed by the shell fast path (git pathspecs)"
}

# From a phase worktree ($pl_phase), refs that are not the session's to move ($1 old, $2 new, $3 ref):
# base, the integration branch, other phases' branches, refs/parallel/*, and a deletion or rewind
# of the coordination ref. Sets pl_refusal. parallel's own writes run with hooks off.
pl_guard_ref() {
  pl_refusal=
  pl_from="from the worktree of phase $pl_phase"
  # The old value is all zeros both for a new ref and for an update that names no old value.
  case $2 in *[!0]*) pl_verb=move ;; *) pl_verb=delete ;; esac
  case $3 in
    "refs/heads/parallel/$pl_phase") return 0 ;;
    refs/heads/parallel/integration)
      pl_refusal="parallel: refusing to $pl_verb parallel/integration $pl_from: only \"parallel integrate\" moves it, and only to merges it tested. Commit your work on parallel/$pl_phase and finish with \"parallel done\"; the coordinator then runs \"parallel integrate\"." ;;
    refs/heads/parallel/*)
      pl_refusal="parallel: refusing to $pl_verb ${3#refs/heads/} $pl_from: a phase moves only its own branch, parallel/$pl_phase. Commit your work here and finish with \"parallel done\"; another phase's branch is moved by its own session, and merged by \"parallel integrate\"." ;;
    refs/parallel/*)
      pl_refusal="parallel: refusing to $pl_verb $3 $pl_from: refs under refs/parallel/ belong to parallel itself (work saved by \"parallel remove --force\", integrate's records). Leave them to parallel's commands." ;;
    refs/notes/parallel)
      if [ "$pl_verb" = delete ]; then
        pl_refusal="parallel: refusing to delete refs/notes/parallel $pl_from: it holds every session's status and events. Report with \"parallel heartbeat\", \"parallel done\" or \"parallel fail\"."
      elif pl_was=$1 && case $pl_was in *[!0]*) ;; *) pl_was=$(git rev-parse -q --verify refs/notes/parallel 2>/dev/null) ;; esac &&
        [ -n "$pl_was" ] && ! git merge-base --is-ancestor "$pl_was" "$2" 2>/dev/null; then
        pl_refusal="parallel: refusing to rewind refs/notes/parallel $pl_from (not a fast-forward): events other sessions recorded would be lost. Report with \"parallel heartbeat\", \"parallel done\" or \"parallel fail\"; \"parallel sync\" merges another clone's events."
      fi ;;
    *)
      [ -n "$pl_base" ] && [ "$3" = "refs/heads/$pl_base" ] &&
        pl_refusal="parallel: refusing to $pl_verb $pl_base $pl_from: $pl_base receives only integrated, tested work. Finish the phase with \"parallel done\"; the coordinator merges and lands it with \"parallel integrate --land\"." ;;
  esac
  [ -z "$pl_refusal" ]
}

# One "old new ref" line of the transaction ($1) into pl_old, pl_new and pl_ref.
pl_split_update() {
  pl_old=${1%% *} pl_ref=${1#* }
  pl_new=${pl_ref%% *} pl_ref=${pl_ref#* }
}

# Run function $1 for every "old new ref" line of this transaction (pl_old, pl_new, pl_ref set,
# IFS as usual; lines split on newlines with globbing off); stops at the first that fails.
pl_each_update() {
  pl_each_ifs=$IFS; IFS=$pl_nl; set -f
  for pl_line in $pl_input; do
    IFS=$pl_each_ifs
    pl_split_update "$pl_line"
    [ -n "$pl_ref" ] && [ "$pl_ref" != "$pl_line" ] || continue
    "$1" || { pl_s=$?; set +f; return $pl_s; }
  done
  IFS=$pl_each_ifs; set +f
}

# Every update of this transaction through pl_guard_ref; prints each refusal. Fails if any.
pl_guard_refs() {
  pl_ok=0
  pl_each_update pl_guard_update
  return $pl_ok
}
pl_guard_update() {
  pl_guard_ref "$pl_old" "$pl_new" "$pl_ref" || { echo "$pl_refusal" >&2; pl_ok=1; }
  return 0
}

pl_check_transaction() {
  pl_what='branch update'
  pl_clear_pathspec_env
  # The token (pl_token_pid, _old, _ref, _kind): the hook file read it. Its kind is empty when
  # pre-commit allowed the commit, "deferred" when it left the check to here, "commit" once this
  # run allowed it (committed then starts the note writer).
  pl_todo=
  pl_each_update pl_check_one || return 1
  [ -n "$pl_todo" ] || return 0
  printf '%s' "$pl_todo" | pl_node_check reference-transaction
}

# One update for pl_check_transaction: judged here, or added to pl_todo for Node. Fails on a refusal.
pl_check_one() {
  case $pl_new in *[!0]*) ;; *) return 0 ;; esac
  case $pl_ref in
    refs/heads/parallel/integration) return 0 ;;
    refs/heads/parallel/*)
      pl_id=${pl_ref#refs/heads/parallel/}
      case $pl_id in [!a-z]*|*[!a-z0-9_-]*) return 0 ;; esac ;;
    HEAD|refs/heads/*)
      # A commit made in this phase worktree on a detached HEAD or another branch is the
      # phase's commit too (HEAD's line beside its branch's is that branch's update).
      [ -n "$pl_phase" ] && [ -z "$pl_reviewer" ] || return 0
      [ "$pl_ref" != HEAD ] || case $pl_input in *"$pl_old $pl_new refs/heads/"*) return 0 ;; esac
      pl_id= ;;
    *) return 0 ;;
  esac
  # This very git process ran our pre-commit (or pre-merge-commit): it allowed the commit, or
  # (no editor opened) left the check of exactly this update of the phase's own branch to here.
  # Either way the token then tells committed that this was a commit.
  if pl_token_ours && [ "$pl_token_old" = "$pl_old" ] && [ "$pl_token_ref" = "$pl_ref" ] &&
    case $pl_token_kind in '') [ -x "$pl_hookdir/pre-commit" ] ;; deferred) [ "$pl_ref" = "refs/heads/parallel/$pl_phase" ] ;; *) false ;; esac; then
    if [ -z "$pl_token_kind" ]; then
      pl_debug "$pl_ref: this commit passed pre-commit"
    else
      pl_diff=pl_commit_diff pl_tree_old=$pl_old pl_tree_new=$pl_new
      pl_check_staged || return 1
    fi
    printf '%s %s %s commit\n' "$pl_token_pid" "$pl_token_old" "$pl_token_ref" > "$pl_gitdir/parallel-checked" 2>/dev/null || :
    pl_token_pid=
    return 0
  fi
  pl_check_update "$pl_id" "$pl_old" "$pl_new"
  case $? in
    0) ;;
    2) return 1 ;;
    *) pl_todo="$pl_todo$pl_old $pl_new $pl_ref$pl_nl" ;;
  esac
}

# The commit HEAD points to, into pl_oid, and the ref it names into pl_head (HEAD when detached);
# no process in the common case.
pl_head_oid() {
  pl_oid= pl_head=HEAD
  IFS= read -r pl_l < "$pl_gitdir/HEAD" 2>/dev/null || pl_l=
  case $pl_l in
    'ref: '*)
      pl_l=${pl_l#ref: }; pl_head=$pl_l
      [ -f "$pl_common/$pl_l" ] && { IFS= read -r pl_oid < "$pl_common/$pl_l" || pl_oid=; } ;;
    *) pl_oid=$pl_l ;;
  esac
  case $pl_oid in *[!0-9a-f]*|'') pl_oid=$(git rev-parse -q --verify HEAD 2>/dev/null) || pl_oid= ;; esac
}

# Remember that this git process passed our staged check: "<git's pid> <HEAD's commit> <the ref
# the commit moves>" in the worktree's git dir. Its reference-transaction (here, or in the hook
# file itself when nothing is chained) then lets exactly that update through unjudged: the ref
# HEAD names when that is the phase's own branch, else HEAD itself when detached. A commit on any
# other branch gets no token and is judged as the update it is.
pl_mark_checked() {
  pl_head_oid
  [ -n "$pl_oid" ] || pl_oid=0000000000000000000000000000000000000000
  # Looking up /proc/<git's pid> now makes its inode (and time) older than the token (pl_token_ours).
  [ -d "/proc/$PPID" ] || :
  case $pl_head in
    "refs/heads/parallel/$pl_phase"|HEAD) printf '%s %s %s\n' "$PPID" "$pl_oid" "$pl_head" > "$pl_gitdir/parallel-checked" 2>/dev/null || : ;;
    *) [ ! -s "$pl_gitdir/parallel-checked" ] || : > "$pl_gitdir/parallel-checked" ;;
  esac
}

# pre-commit (installed to chain the repository's own, which has run) of a commit that opens no
# editor, on the phase's own branch: leave the check to the reference-transaction that moves the
# branch, with a token "<git's pid> <HEAD's commit> <the branch> deferred" in the worktree's git
# dir. It judges the commit's tree, which is what the repository's hook left staged; one git
# process per commit instead of two. A commit that opens an editor is judged here, before anyone
# writes a message.
pl_defer() {
  [ "${GIT_EDITOR-}" = : ] && [ -z "$pl_reviewer" ] &&
    [ ! -f "$pl_gitdir/MERGE_HEAD" ] && [ -x "$pl_hookdir/reference-transaction" ] &&
    { IFS= read -r pl_l < "$pl_gitdir/HEAD"; } 2>/dev/null && [ "$pl_l" = "ref: refs/heads/parallel/$pl_phase" ] &&
    { IFS= read -r pl_o < "$pl_common/refs/heads/parallel/$pl_phase"; } 2>/dev/null || return 1
  case $pl_o in *[!0-9a-f]*|'') return 1 ;; esac
  # Looking up /proc/<git's pid> now makes it older than the token (see pl_token_ours).
  [ -d "/proc/$PPID" ] || :
  printf '%s %s %s deferred\n' "$PPID" "$pl_o" "refs/heads/parallel/$pl_phase" > "$pl_gitdir/parallel-checked" 2>/dev/null || return 1
  pl_debug 'no editor opens: the check is made when the commit moves the branch (reference-transaction)'
}

# Whether the token is this git process's. A commit that stops after pre-commit (an empty
# message, a commit-msg refusal) leaves its token, and a later git process may get the same pid:
# /proc/<pid>'s inode is made when the process is first looked up, so one newer than the token
# is another process (where there is no /proc, the pid alone decides).
pl_token_ours() {
  [ -n "$pl_token_pid" ] && [ "$pl_token_pid" = "$PPID" ] && ! [ "/proc/$PPID" -nt "$pl_gitdir/parallel-checked" ]
}

# Once the repository's own hook ran: replace refs must not change what the checks' git calls see
# (a refs/replace/<foreign> naming an owned commit would pass the scan), as for Node's judge.
pl_no_replace() {
  GIT_NO_REPLACE_OBJECTS=1
  export GIT_NO_REPLACE_OBJECTS
}

pl_skip_note() {
  echo "parallel: PARALLEL=0, so parallel's ownership check of phase $pl_phase is skipped (parallel verify and integrate still check every commit)." >&2
}

# With PARALLEL=0, the note once for a commit this transaction makes (the new commit's only parent
# is the old one: one git call for the first update that moves a ref), not for a checkout.
pl_skip_commit_note() {
  case $pl_ref in HEAD|refs/heads/*) ;; *) return 0 ;; esac
  case $pl_old in *[!0]*) ;; *) return 0 ;; esac
  case $pl_new in *[!0]*) ;; *) return 0 ;; esac
  pl_out=$(git rev-list --parents -n 1 "$pl_new" -- 2>/dev/null) || return 1
  [ "$pl_out" = "$pl_new $pl_old" ] && pl_skip_note
  return 1
}

pl_main() {
  case $pl_hook in
    pre-commit|pre-merge-commit)
      pl_load_state
      pl_chain "$@" || return $?
      pl_no_replace
      pl_find_gitdir
      pl_read_marker || return 0
      # The branch update says so (reference-transaction).
      [ "${PARALLEL-}" != 0 ] || return 0
      # No editor opens: reference-transaction judges the commit's tree (pl_defer).
      [ "$pl_hook" != pre-commit ] || ! pl_defer || return 0
      pl_diff=pl_staged_diff
      pl_check_staged || return 1
      pl_mark_checked
      ;;
    reference-transaction)
      # The hook file may have read the updates already (and it cleared this process's token
      # in committed and aborted, and started the commit's note writer).
      if [ -z "${pl_read_input-}" ]; then
        pl_input=
        while IFS= read -r pl_line; do pl_input="$pl_input$pl_line$pl_nl"; done
      fi
      pl_load_state
      pl_user_dir
      if [ -f "$pl_udir/$pl_hook" ] && [ -x "$pl_udir/$pl_hook" ] && [ "$pl_udir" != "$pl_hookdir" ]; then
        printf '%s' "$pl_input" | "$pl_udir/$pl_hook" "$@" || return $?
      fi
      pl_no_replace
      [ "$1" = prepared ] || return 0
      # Some transactions touch none of the refs judged here (tags, remotes, other notes): one
      # case, no process.
      case $pl_input in
        *" HEAD$pl_nl"*|*" refs/heads/"*|*" refs/parallel/"*|*" refs/notes/parallel$pl_nl"*) ;;
        *) return 0 ;;
      esac
      pl_find_gitdir
      pl_read_marker
      if [ "${PARALLEL-}" = 0 ]; then
        [ -z "$pl_phase" ] || pl_each_update pl_skip_commit_note
        return 0
      fi
      [ -z "$pl_phase" ] || pl_guard_refs || return 1
      pl_check_transaction
      ;;
    *)
      pl_load_state
      pl_chain "$@"
      ;;
  esac
}

