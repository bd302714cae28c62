# Sourced by tests/workflow/run (uses its $run, $work, $here, t and build).
#
# graph draws the start-up waves check reports (startup-waves), for every
# environment of every example and of the dependency-cycle fixture, in
# Mermaid; its DOT is accepted by Graphviz; both are byte-stable.  The
# generated YAML passes yamllint with the configuration docs/ci.md names
# (docs/yamllint.yaml), and the default configuration objects only to what
# that file switches off, for the reasons given there.
root=$(cd "$here/../.." && pwd)
systems="$(ls "$root"/examples/*/system.yaml) $root/tests/rules/dependency-cycle/fail.yaml"

# "ENV|wave 1: a, b; wave 2: c" per environment, from check's text report
waves_of_check() {
  $run check "$1" --color=never 2>/dev/null | awk '
    /: info: services of .* start in [0-9]+ waves?.*\[startup-waves\]$/ {
      env = $0; sub(/.*services of \047/, "", env); sub(/\047.*/, "", env); next }
    env != "" && /^note: / { sub(/^note: /, ""); print env "|" $0; env = "" }'
}
# the same from graph's Mermaid: subgraph wave_N holds the services of wave N
waves_of_graph() {
  $run graph "$1" --env "$2" | awk '
    /^  subgraph wave_[0-9]+\[/ { w = $2; sub(/^wave_/, "", w); sub(/\[.*/, "", w); n = 0; next }
    /^  end$/ { if (w != "") { more = n > 12 ? sprintf(" and %d more", n - 12) : "";
                               out = out (out == "" ? "" : "; ") "wave " w ": " list more;
                               waves++ } w = ""; list = ""; next }
    w != "" { name = $0; sub(/^[^"]*"/, "", name); sub(/(<br\/>|").*/, "", name);
              if (++n <= 12) list = list (n > 1 ? ", " : "") name }
    END { if (waves > 12) { split(out, p, "; "); out = "";
                            for (i = 1; i <= 12; i++) out = out (i > 1 ? "; " : "") p[i];
                            out = out sprintf("; ... %d more waves", waves - 12) }
          print out }'
}
agree=1 count=0
for s in $systems; do
  while IFS='|' read -r env note; do
    [ -n "$env" ] || continue
    count=$((count + 1))
    got=$(waves_of_graph "$s" "$env")
    [ "$got" = "$note" ] || { agree=0; echo "# $s $env: check says '$note', graph draws '$got'"; }
  done < <(waves_of_check "$s")
done
t graph-waves-are-checks test "$agree" = 1 -a "$count" -ge 5
$run graph "$root/tests/rules/dependency-cycle/fail.yaml" >"$work/g.mmd" 2>&1
t graph-cycle-group grep -q '^  subgraph cycle\["waiting on a dependency cycle"\]$' "$work/g.mmd"
same=1 dot_ok=1
for s in $systems; do
  $run graph "$s" --format dot >"$work/g1.dot" 2>/dev/null
  LC_ALL=C.UTF-8 TZ=Pacific/Chatham $run graph "$s" --format dot >"$work/g2.dot" 2>/dev/null
  cmp -s "$work/g1.dot" "$work/g2.dot" || same=0
  if command -v dot >/dev/null 2>&1; then
    dot -Tsvg "$work/g1.dot" >/dev/null 2>"$work/log" && [ ! -s "$work/log" ] || { dot_ok=0; cat "$work/log"; }
  fi
done
t graph-deterministic test "$same" = 1
if command -v dot >/dev/null 2>&1; then t graph-dot-renders test "$dot_ok" = 1; else t graphviz-installed false; fi
$run graph "$root/examples/ai-monorepo/system.yaml" --env production >"$work/g.mmd"
t graph-machines grep -q '^%% machine mainpc: cpu ' "$work/g.mmd"
t graph-node-machine grep -q 'machine: mainpc"\]$' "$work/g.mmd"
$run graph "$root/examples/workshops/system.yaml" >"$work/g.mmd"
t graph-tenants grep -q '^%% tenant healthcare-ml: namespace ' "$work/g.mmd"
t graph-per-tenant grep -q '<br/>per tenant: healthcare-ml, ' "$work/g.mmd"
$run graph "$root/examples/workshops/system.yaml" --env production --env staging >/dev/null 2>&1
t graph-one-env test $? -eq 2

# yamllint: the documented configuration passes on every example's output
if command -v yamllint >/dev/null 2>&1; then
  lint_ok=1 only_three=1
  for s in $(ls "$root"/examples/*/system.yaml); do
    # a copy, built from its own folder: Compose paths stay inside it
    ex=$work/yl/$(basename "$(dirname "$s")"); o=$ex/out
    mkdir -p "$ex" && cp -r "$(dirname "$s")"/. "$ex"
    (cd "$ex" && build system.yaml -o out)
    (cd "$o" && yamllint -s -f parsable -c "$root/docs/yamllint.yaml" .) >"$work/yl.out" 2>&1 ||
      { lint_ok=0; head -5 "$work/yl.out"; }
    (cd "$o" && yamllint -f parsable .) 2>/dev/null | grep -v '/templates/' |
      sed 's/.*(\([a-z-]*\))$/\1/' | sort -u >"$work/yl.rules"
    grep -qvxE 'document-start|indentation|line-length' "$work/yl.rules" && only_three=0
  done
  t yamllint-documented-config test "$lint_ok" = 1
  t yamllint-default-only-documented-rules test "$only_three" = 1
else
  t yamllint-installed false
fi

# GitLab fingerprints of a finding folded per rule and line ("(and N more)")
# do not change when an instance is added (here a tenant that sorts first):
# the same file, one description with two tenants, one with three.
mkdir -p "$work/fold2" "$work/fold3"
cat > "$work/fold2/system.yaml" <<'YAML'
manifold: 1
system: {name: fold}
services:
  api:
    scope: tenant
    image: nginx:latest
    ports: {http: 8080}
tenants:
  globex: {}
  initech: {}
environments:
  development: {profile: development}
YAML
sed 's/^  globex: {}/  acme: {}\n  globex: {}/' "$work/fold2/system.yaml" > "$work/fold3/system.yaml"
# "FINGERPRINT DESCRIPTION" of the image-latest issue
fold_fp() {
  (cd "$1" && $run check system.yaml --format gitlab) | awk -F'"' '
    $2 == "check_name" { rule = $4 } $2 == "description" { msg = $4 }
    $2 == "fingerprint" && rule == "image-latest" { print $4, msg }'
}
fp2=$(fold_fp "$work/fold2") fp3=$(fold_fp "$work/fold3")
t gitlab-folded-counts-differ test "${fp2#* }" != "${fp3#* }" -a -n "${fp2#* }"
t gitlab-folded-fingerprint-stable test "${fp2%% *}" = "${fp3%% *}" -a ${#fp2} -gt 32
