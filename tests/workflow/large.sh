# Large systems (sourced by run): what a size limit of a consumer does to
# the build.  Helm loads no chart with a file over 5 MiB, and values.yaml
# crosses that line at about 2,450 services (tests/bench/gen-system.sh N 6):
# the build is an error at system.name (helm-file-too-large) instead of a
# chart Helm refuses, and one just under the line builds.  Skipped under a
# sanitizer or valgrind, where 2,600 services take minutes.
lslow=0
case "$run" in *valgrind*) lslow=1 ;; esac
grep -q __asan_init "$bin" 2>/dev/null && lslow=1
if [ "$lslow" = 0 ]; then
  "$here/../bench/gen-system.sh" 2600 6 >"$work/large.yaml"
  $run build "$work/large.yaml" -o "$work/large" --target helm >"$work/large.log" 2>&1; rc=$?
  t helm-file-too-large-exit2 test "$rc" -eq 2
  want="^large.yaml:5:9: error: 'helm/bench/values.yaml' is 5\.[0-9] MiB, and Helm loads"
  want="$want no chart with a file over 5 MiB \[helm-file-too-large\]$"
  t helm-file-too-large-at-system-name grep -q "$want" <(sed "s|^$work/||" "$work/large.log")
  t helm-file-too-large-writes-nothing test ! -e "$work/large"
  "$here/../bench/gen-system.sh" 2200 6 >"$work/large.yaml"
  $run build "$work/large.yaml" -o "$work/large" --target helm >"$work/large.log" 2>&1; rc=$?
  t helm-file-under-limit-builds test "$rc" -le 1 -a -s "$work/large/helm/bench/values.yaml"
else
  echo "# large systems: skipped under a sanitizer or valgrind"
fi
