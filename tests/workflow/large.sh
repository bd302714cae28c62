# Large systems (sourced by run): what a size limit of a consumer does to
# the build.  Helm loads no chart with a file over 5 MiB, and values.yaml
# crosses that line at about 2,450 services (tests/bench/gen-system.sh N 6):
# from there the chart's values are split (docs/helm.md, "Large charts"),
# values.yaml keeping a stub of each service instance and values.d/ the rest,
# every file under the limit; one just under the line is written whole.
# With MANIFOLD_HELM_SPLIT lowering the line, an example's split chart must
# render exactly what its whole chart renders with the real Helm (values.yaml,
# each values-ENV.yaml, --set of a service's keys).  The 10,000-service chart
# with `helm lint` and `helm template` is in `make bench` (minutes of Helm).
# Skipped under a sanitizer or valgrind, where 2,600 services take minutes.
lslow=0
case "$run" in *valgrind*) lslow=1 ;; esac
grep -q __asan_init "$bin" 2>/dev/null && lslow=1
# the largest file of a chart, in bytes
largest() { find "$1" -type f -printf '%s\n' | sort -n | tail -n 1; }
if [ "$lslow" = 0 ]; then
  "$here/../bench/gen-system.sh" 2600 6 >"$work/large.yaml"
  $run build "$work/large.yaml" -o "$work/large" --target helm >"$work/large.log" 2>&1; rc=$?
  t helm-split-builds test "$rc" -le 1 -a -s "$work/large/helm/bench/values.d/values-000.yaml"
  t helm-split-every-file-under-5mib test "$(largest "$work/large/helm/bench")" -lt $((5 << 20))
  t helm-split-list grep -q '^  - values.d/values-production-000.yaml$' \
    "$work/large/helm/bench/values-production.yaml"
  t helm-split-stub test "$(sed -n '/^svc0002:/,/^[a-z]/p' "$work/large/helm/bench/values.yaml" |
    grep -c '^  [a-z]')" -eq 4
  rm -rf "$work/large"
  "$here/../bench/gen-system.sh" 2200 6 >"$work/large.yaml"
  $run build "$work/large.yaml" -o "$work/large" --target helm >"$work/large.log" 2>&1; rc=$?
  t helm-file-under-limit-whole test "$rc" -le 1 -a -s "$work/large/helm/bench/values.yaml" \
    -a ! -e "$work/large/helm/bench/values.d"
  rm -rf "$work/large" "$work/large.yaml"
else
  echo "# large systems: skipped under a sanitizer or valgrind"
fi

# split_same EXAMPLE CHART SERVICE_KEY: the example's chart split at 3,000 bytes renders
# as the whole one
split_same() {
  local w=$work/split-$1 ex=$2 vf s ok=0
  mkdir -p "$w" && cp -R "$here/../../examples/$1" "$w/src"
  (cd "$w" && { $run build src/system.yaml -o whole
    MANIFOLD_HELM_SPLIT=3000 $run build src/system.yaml -o split; }) >/dev/null 2>&1
  [ -d "$w/split/helm/$ex/values.d" ] || { echo "# $ex: no values.d"; return 1; }
  ! grep -q valuesFiles "$w/whole/helm/$ex/values.yaml" || return 1
  for vf in "" $(cd "$w/whole/helm/$ex" && ls values-*.yaml); do
    for s in "" "--set global.releasePrefix=true" "--set $3.replicaCount=7 --set $3.image.tag=9.9"; do
      # shellcheck disable=SC2086 # $s is a list of options
      "$helm" template r "$w/whole/helm/$ex" ${vf:+-f "$w/whole/helm/$ex/$vf"} $s -n ns \
        >"$w/a.yaml" 2>&1 || ok=1
      # shellcheck disable=SC2086
      "$helm" template r "$w/split/helm/$ex" ${vf:+-f "$w/split/helm/$ex/$vf"} $s -n ns \
        >"$w/b.yaml" 2>&1 || ok=1
      cmp -s "$w/a.yaml" "$w/b.yaml" || { echo "# $ex ${vf:-values.yaml} $s differ"; ok=1; }
    done
  done
  "$helm" lint --strict "$w/split/helm/$ex" -f "$w/split/helm/$ex/values-production.yaml" \
    >/dev/null 2>&1 || { echo "# $ex: helm lint --strict of the split chart failed"; ok=1; }
  rm -rf "$w"
  return $ok
}
if helm=$("$here/../conformance/helm-bin" 2>/dev/null); then
  t helm-split-same-octollm split_same octollm octollm coderArm
  t helm-split-same-workshops split_same workshops workshop-system gitea
else
  echo "# helm-split-same: skipped (no Helm: tests/conformance/node_modules)"
fi
