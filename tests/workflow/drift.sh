# Sourced by tests/workflow/run (uses its $run, $work, $here, $sys, t, sum and build).
#
# Exit codes of build, build --check, check and diff (drift 4, findings 1,
# --fail-on), the summary line, --quiet and --verbose, the unified diff
# (it writes nothing, and patch -p1 turns the old tree into what a build
# writes) and the pre-commit drift hook's entry.

# a system with error findings in production (no probes) and none in dev
{ printf 'manifold: 1\nsystem: {name: shop}\nservices:\n'
  printf '  web: {image: shop/web:1.0, ports: {http: 8080}}\n'
  printf 'environments:\n  dev: {profile: development}\n  prod: {profile: production}\n'; } > "$work/findings.yaml"
sed 's#shop/web:1.0#shop/web:1.1#' "$work/findings.yaml" > "$work/findings2.yaml"
build "$work/findings.yaml" -o "$work/x"; rc=$?
t findings-build-exit1 test "$rc" -eq 1 -a -f "$work/x/.manifold/manifest"
build "$work/findings.yaml" -o "$work/x" --check; rc=$?
t findings-check-no-drift-exit1 test "$rc" -eq 1
build "$work/findings.yaml" -o "$work/x" --check --fail-on none; rc=$?
t findings-check-fail-on-none-exit0 test "$rc" -eq 0
build "$work/findings2.yaml" -o "$work/x" --check; rc=$?
t drift-wins-over-findings-exit4 test "$rc" -eq 4
build "$work/findings2.yaml" -o "$work/x" --check --fail-on none; rc=$?
t drift-fail-on-none-exit4 test "$rc" -eq 4
build "$work/findings2.yaml" -o "$work/x" --fail-on none; rc=$?
t build-fail-on-none-exit0 test "$rc" -eq 0 -a -n "$(grep -rl shop/web:1.1 "$work/x")"
$run check "$work/findings.yaml" --fail-on none >/dev/null 2>&1
t check-fail-on-none-exit0 test $? -eq 0
$run check "$work/findings.yaml" >/dev/null 2>&1
t check-findings-exit1 test $? -eq 1
# the workflow system has warnings only: --fail-on warning fails a build, which still writes
build "$sys" -o "$work/w" --fail-on warning; rc=$?
t build-fail-on-warning-exit1 test "$rc" -eq 1 -a -f "$work/w/compose/development/compose.yaml"
build "$sys" -o "$work/w" --fail-on warnings; rc=$?
t fail-on-misspelt-exit2 test "$rc" -eq 2
t fail-on-misspelt-suggests grep -q "unknown --fail-on 'warnings': did you mean 'warning'? (one of error, warning, none)" "$work/log"

# one summary line: files written, unchanged, pruned; the findings' totals
build "$sys" -o "$work/s1"
t summary-first-build grep -qxE "manifold: '$work/s1': ([0-9]+) files written \(\1 new, 0 changed\), 0 unchanged, 0 pruned; 0 errors, [0-9]+ warnings?, [0-9]+ info" "$work/log"
build "$work/nocache.yaml" -o "$work/s1"
t summary-pruned grep -qE "^manifold: '$work/s1': [0-9]+ files? written \(0 new, [0-9]+ changed\), [0-9]+ unchanged, [1-9][0-9]* pruned; " "$work/log"
build "$work/nocache.yaml" -o "$work/s1"
t summary-noop grep -qE "^manifold: '$work/s1': 0 files written \(0 new, 0 changed\), [0-9]+ unchanged, 0 pruned; " "$work/log"
build "$sys" -o "$work/s1" --check
t summary-check grep -qE "^manifold: '$work/s1': [1-9][0-9]* (file differs|files differ) \([0-9]+ missing, [0-9]+ changed\), 0 stale, [0-9]+ unchanged; " "$work/log"
t summary-is-last test "$(tail -n 1 "$work/log" | cut -c1-10)" = "manifold: "
build "$sys" -o "$work/s1" --quiet
t quiet-prints-nothing test ! -s "$work/log"
build "$work/bad.yaml" -o "$work/s1" --quiet; rc=$?
t quiet-keeps-errors test "$rc" -eq 2 -a "$(grep -c ' error: ' "$work/log")" -ge 1
build "$sys" -o "$work/s1" --verbose
t verbose-lists-files grep -qE '^  unchanged +compose/development/compose.yaml$' "$work/log"
build "$work/changed.yaml" -o "$work/s1" --verbose --check
t verbose-check-words grep -qE '^  differs +compose/development/compose.yaml$' "$work/log"

# diff: writes nothing, exit 0 when up to date, 4 with a unified diff
build "$sys" -o "$work/d"
before=$(sum "$work/d")
$run diff "$sys" -o "$work/d" >"$work/diff.out" 2>"$work/log"; rc=$?
t diff-clean-exit0 test "$rc" -eq 0 -a ! -s "$work/diff.out"
$run diff "$work/changed.yaml" -o "$work/d" >"$work/diff.out" 2>"$work/log"; rc=$?
t diff-drift-exit4 test "$rc" -eq 4
t diff-shows-change grep -qx -- "+    - 8081:8080/tcp" "$work/diff.out"
t diff-headers grep -qx -- "--- a/$work/d/compose/development/compose.yaml" "$work/diff.out"
t diff-no-drift-diagnostic test -z "$(grep '\[drift\]' "$work/log")"
t diff-writes-nothing test "$before" = "$(sum "$work/d")"
$run diff "$work/findings2.yaml" -o "$work/x" >/dev/null 2>&1; rc=$?
t diff-findings-do-not-fail test "$rc" -eq 0
$run diff "$sys" -o "$work/d" -t helmm >/dev/null 2>"$work/log"; rc=$?
t diff-bad-target-exit2 test "$rc" -eq 2
# new files, changed files and pruned ones: the patch makes the old tree the new one
{ awk '/^  cache:/{skip=1; next} /^environments:/{skip=0} !skip && !/dependsOn/' "$sys" |
    sed 's/port: 8080, host: 8080/port: 8080, host: 8081/'
  printf '  qa:\n    profile: development\n'; } > "$work/next.yaml"
build "$sys" -o "$work/p/old"
build "$work/next.yaml" -o "$work/p/fresh"
(cd "$work/p" && $run diff "$work/next.yaml" -o old >"$work/p.patch" 2>/dev/null); rc=$?
t diff-patch-exit4 test "$rc" -eq 4
t diff-patch-new-file grep -qx -- "+++ b/old/compose/qa/compose.yaml" "$work/p.patch"
t diff-patch-pruned-file grep -qx -- "--- a/old/kubernetes/base/cache.yaml" "$work/p.patch"
(cd "$work/p" && $run diff "$work/next.yaml" -o old -U 0 >"$work/p0.patch" 2>/dev/null)
t diff-context-option test "$(grep -c '^ ' "$work/p0.patch")" -eq 0 -a -s "$work/p0.patch"
(cd "$work/p" && patch -s -p1 < "$work/p.patch") >"$work/log" 2>&1
rm -rf "$work/p/old/.manifold" "$work/p/fresh/.manifold"
t diff-patch-applies diff -r "$work/p/old" "$work/p/fresh"
$run diff "$work/changed.yaml" -o "$work/d" --color=always >"$work/diff.out" 2>/dev/null
t diff-color-always grep -qxF $'\033[32m+    - 8081:8080/tcp\033[0m' "$work/diff.out"

# the pre-commit drift hook: its entry with the documented args
entry=$(awk '/^- id: manifold-drift/{on=1} on && /^  entry:/{sub(/^  entry: */, ""); print; exit}' "$here/../../.pre-commit-hooks.yaml")
t hook-entry-is-diff test "$entry" = "manifold diff"
(PATH=$(dirname "$bin"):$PATH; cd "$work" && $entry "$work/changed.yaml" -o d >"$work/hook.out" 2>&1); rc=$?
t hook-fails-on-drift test "$rc" -eq 4
t hook-prints-diff grep -qx -- "+    - 8081:8080/tcp" "$work/hook.out"
(PATH=$(dirname "$bin"):$PATH; cd "$work" && $entry "$sys" -o d >"$work/hook.out" 2>&1); rc=$?
t hook-passes-up-to-date test "$rc" -eq 0
