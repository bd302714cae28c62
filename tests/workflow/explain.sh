# Sourced by tests/workflow/run (uses its $run, $work, $here and t).
#
# `manifold explain ID` knows every id a finding can carry: check's rules
# (rules.def), the compiler's own diagnostics (diagnostics.def) and the
# packs' rules.  The ids the sources spell (the code argument of the
# diagnostic functions and wrappers) are read from gen/*.c: one missing from
# diagnostics.def, or a table entry no source uses, is a failure.  So is an
# id in docs/changes.md's last column that explain does not know.
root=$(cd "$here/../.." && pwd)
if command -v python3 >/dev/null; then
  python3 - "$root/gen" >"$work/src-ids" <<'PY'
import glob, re, sys
ID = r'"([a-z][a-z0-9]*(?:-[a-z0-9]+)*)"'
A = r'(?:[^,;"(){}]|\([^;()]*\)|\{[^;{}]*\})*?,\s*'  # one argument before the code
pats = [re.compile(r'MF_SEV_[A-Z]+\s*,\s*[^;"]*?,\s*' + ID),
        re.compile(r'\b(?:mf_diag_add|diag)\s*\(\s*' + A + A + A + ID),
        re.compile(r'\b(?:mf_error|mf_warning|warn_at|fail_at|error_once|warn_once|report_once)'
                   r'\s*\(\s*' + A + A + ID),
        re.compile(r'\bvdiag\s*\(\s*' + A + ID),
        re.compile(r'\bfail\s*\(\s*b\s*,\s*' + A + ID),
        re.compile(r'mf_doc_kind\s+\w+\s*=\s*\{[^}]*?' + ID + r'\s*\}')]
ids = set()
for f in glob.glob(sys.argv[1] + '/*.c'):
    text = open(f).read()
    for p in pats:
        ids.update(m.group(1) for m in p.finditer(text))
print('\n'.join(sorted(ids)))
PY
  $run rules | awk '{ print $1 }' | sort >"$work/rule-ids"
  comm -23 "$work/src-ids" "$work/rule-ids" >"$work/diag-ids"
  sed -n 's/^DIAG("\([a-z0-9-]*\)".*/\1/p' "$root/gen/diagnostics.def" | sort >"$work/def-ids"
  unexplained=""
  for id in $(cat "$work/diag-ids"); do
    $run explain "$id" 2>/dev/null | head -n 1 | grep -q "^$id (.*a diagnostic of the compiler)" ||
      unexplained="$unexplained $id"
  done
  [ -z "$unexplained" ] || echo "# not in gen/diagnostics.def:$unexplained"
  t explain-every-compiler-id test -z "$unexplained" -a "$(wc -l <"$work/diag-ids")" -gt 80
  stale=$(comm -13 "$work/diag-ids" "$work/def-ids" | tr '\n' ' ')
  [ -z "$stale" ] || echo "# in gen/diagnostics.def but spelled nowhere in gen/*.c: $stale"
  t explain-table-has-no-stale-id test -z "$stale"
else
  t explain-python3-installed false
fi
# docs/changes.md: every id in a row's last column (host-gateway is a value there)
undocumented=""
for id in $(awk -F'|' '/^\|/ && NF > 3 { print $(NF - 1) }' "$root/docs/changes.md" |
            grep -oE '`[a-z][a-z0-9]*(-[a-z0-9]+)+`' | tr -d '`' | sort -u); do
  [ "$id" = host-gateway ] && continue
  $run explain "$id" >/dev/null 2>&1 || undocumented="$undocumented $id"
done
[ -z "$undocumented" ] || echo "# docs/changes.md ids explain does not know:$undocumented"
t explain-changes-md-ids test -z "$undocumented"
$run explain compose-emptydir-memroy >/dev/null 2>"$work/log"; rc=$?
t explain-dym-compiler-id test "$rc" -eq 2 -a "$(head -n 1 "$work/log")" = "manifold explain: unknown rule 'compose-emptydir-memroy': did you mean 'compose-emptydir-memory'? (see 'manifold rules')"
# completion offers the compiler's ids to `explain`, and SARIF gives a
# compiler diagnostic the help text `explain` prints
$run completion bash | grep -q "compose-emptydir-memory"
t completion-offers-compiler-ids test $? -eq 0
gpu="$here/../golden/compose-gpu/system.yaml"
$run check "$gpu" --format sarif 2>/dev/null | python3 -c '
import json, sys
rules = json.load(sys.stdin)["runs"][0]["tool"]["driver"]["rules"]
r = [x for x in rules if x["id"] == "compose-gpu"][0]
sys.exit(0 if r["help"]["text"].startswith(sys.argv[1]) else 1)' \
  "$($run explain compose-gpu | sed -n 3p | cut -c1-40)"
t sarif-compiler-id-help test $? -eq 0
