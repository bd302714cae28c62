# Sourced by tests/workflow/run (uses its $run, $bin, $work, $here, t and build).
#
# A large build (tests/bench/gen-system.sh, 3,000 services: about 14,000
# files) killed with SIGKILL at random points, and two builds racing into
# one output directory.  After a kill, every file must hold the whole bytes
# of the old or of the new description for its path, and the manifest or
# the journal must name exactly those bytes for that path; the next build,
# of either description, must then leave exactly what a build into an
# empty directory leaves, and nothing else in .manifold.
#
# Odd trials kill -9 from outside at a uniformly random time of the whole
# build; even trials stop it with SIGKILL just before a random one of the
# renames and unlinks it makes (fault.c), the moves and prunes of phase 2
# where a kill once left new files under the old manifest.  The seed is
# printed: MF_KILL_SEED=N replays a run.
#   MF_KILL_SERVICES (3000; 300 under a sanitizer or valgrind)
#   MF_KILL_TRIALS (4)   MF_RACE_TRIALS (1)
slow=0
case "$run" in *valgrind*) slow=1 ;; esac
grep -q __asan_init "$bin" 2>/dev/null && slow=1
ksvc=${MF_KILL_SERVICES:-$([ "$slow" = 1 ] && echo 300 || echo 3000)}
ktrials=${MF_KILL_TRIALS:-4}
rtrials=${MF_RACE_TRIALS:-1}
kseed=${MF_KILL_SEED:-$(($(date +%s%N) / 1000 % 32768))}
RANDOM=$kseed
echo "# interrupted builds: $ksvc services, $ktrials kill trials, seed $kseed (MF_KILL_SEED)"
# in memory when it can: what is tested is the order of renames and the
# journal, which a kill (not a power cut) sees the same on any file system
k=$(mktemp -d /dev/shm/manifold-kill.XXXXXX 2>/dev/null) || { k=$work/kill; mkdir -p "$k"; }
trap 'rm -rf "$work" "$k"' EXIT
# b changes every file (the version is in every label), drops services and adds a tenant;
# neither builds Helm: a 3,000-service chart is over Helm's 5 MiB (helm-file-too-large)
nohelm='s/^    targets: \[kustomize, helm/    targets: [kustomize/'
"$here/../bench/gen-system.sh" "$ksvc" 4 | sed "$nohelm" >"$k/a.yaml"
"$here/../bench/gen-system.sh" $((ksvc - ksvc / 30)) 5 |
  sed -e 's/^  version: "1.0.0"$/  version: "1.0.1"/' -e "$nohelm" >"$k/b.yaml"
$run build "$k/a.yaml" -o "$k/ref-a" >"$k/log-a" 2>&1 &
pa=$!
$run build "$k/b.yaml" -o "$k/ref-b" >"$k/log-b" 2>&1
rcb=$?
wait "$pa"; rca=$?
t kill-references-built test "$rca" -le 1 -a "$rcb" -le 1

# "sha256 path" of every file but .manifold, sorted
files() {
  (cd "$1" && find . -path ./.manifold -prune -o -type f -print0 | LC_ALL=C sort -z |
    xargs -0 -r sha256sum) | sed 's#  \./# #'
}
files "$k/ref-a" >"$k/a.files"
files "$k/ref-b" >"$k/b.files"

# Every file of OUT holds ref-a's or ref-b's bytes for its path, and the
# manifest or the journal lists that path with those bytes' hash.
owned() {
  files "$1" >"$k/disk"
  cat "$1/.manifold/manifest" "$1/.manifold/journal" 2>/dev/null >"$k/lists"
  awk -v A="$k/a.files" -v B="$k/b.files" -v MA="$k/ref-a/.manifold/manifest" \
    -v MB="$k/ref-b/.manifold/manifest" -v L="$k/lists" '
    FILENAME == A { sa[$2] = $1; next }
    FILENAME == B { sb[$2] = $1; next }
    FILENAME == MA { ha[$2] = $1; next }
    FILENAME == MB { hb[$2] = $1; next }
    FILENAME == L { if ($1 !~ /^#/) listed[$2 " " $1] = 1; next }
    {
      if ($1 == sa[$2]) h = ha[$2]; else if ($1 == sb[$2]) h = hb[$2]
      else { print "    neither old nor new bytes: " $2; bad++; next }
      if (!(($2 " " h) in listed)) { print "    not owned for its bytes: " $2; bad++ }
    }
    END { exit bad > 0 }' "$k/a.files" "$k/b.files" "$k/ref-a/.manifold/manifest" \
    "$k/ref-b/.manifold/manifest" "$k/lists" "$k/disk" | head -5
  [ "${PIPESTATUS[0]}" -eq 0 ]
}

# The next build of DESC leaves exactly ref-DESC: files, manifest, no debris.
exact() {
  build "$k/$1.yaml" -o "$k/out"
  local rc=$?
  [ "$rc" -le 1 ] && diff -r -x .manifold "$k/out" "$k/ref-$1" >/dev/null &&
    cmp -s "$k/out/.manifold/manifest" "$k/ref-$1/.manifold/manifest" &&
    [ "$(ls -A "$k/out/.manifold" | tr '\n' ' ')" = "lock manifest " ]
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# OUT starts as a build of a (hard links: manifold only ever renames over
# files, so the reference stays as it is; checked at the end).  Arguments
# are environment settings for the build.
start_b() {
  rm -rf "$k/out"
  cp -al "$k/ref-a" "$k/out"
  env "$@" $run build "$k/b.yaml" -o "$k/out" >/dev/null 2>&1 &
  bpid=$!
}

# calibration: a whole build of b over a, timed, its renames and unlinks counted
t0=$(now_ms)
start_b MF_COUNT="$k/counts" LD_PRELOAD="$work/fault.so"
wait "$bpid"; crc=$?
whole=$(($(now_ms) - t0))
read -r renames unlinks < "$k/counts" 2>/dev/null
t kill-calibration-build test "$crc" -le 1 -a "${renames:-0}" -gt 0
t kill-calibration-exact exact b
echo "# a whole build takes ${whole} ms and makes ${renames:-?} renames and ${unlinks:-?} unlinks"
points=$((${renames:-0} + ${unlinks:-0}))

for ((i = 1; i <= ktrials; i++)); do
  if ((i % 2)); then
    delay=$((RANDOM * whole / 32768))
    where="from outside after $delay ms"
    start_b
    sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
    kill -9 "$bpid" 2>/dev/null
  else
    n=$((1 + RANDOM * points / 32768)) var=MF_KILL_RENAME
    ((n > ${renames:-0})) && n=$((n - renames)) var=MF_KILL_UNLINK
    where="before $([ $var = MF_KILL_RENAME ] && echo rename || echo unlink) $n"
    start_b "$var=$n" LD_PRELOAD="$work/fault.so"
  fi
  wait "$bpid" 2>/dev/null
  then=$([ $((i / 2 % 2)) = 1 ] && echo b || echo a)
  echo "# trial $i: killed $where; journal left: $([ -f "$k/out/.manifold/journal" ] && echo yes || echo no); next build: $then"
  t "kill-$i-every-file-owned" owned "$k/out"
  t "kill-$i-next-build-$then-exact" exact "$then"
done

# Two builds at once into a fresh directory: one may be refused at once
# (exit 3, naming the other), neither is half done, and what is left is
# exactly one of them.
done_or_busy() { [ "$1" -le 1 ] || { [ "$1" -eq 3 ] && grep -q "another manifold build is writing" "$2"; }; }
for ((i = 1; i <= rtrials; i++)); do
  rm -rf "$k/out"
  $run build "$k/a.yaml" -o "$k/out" >"$k/race-a" 2>&1 &
  pa=$!
  $run build "$k/b.yaml" -o "$k/out" >"$k/race-b" 2>&1 &
  pb=$!
  wait "$pa"; ra=$?
  wait "$pb"; rb=$?
  echo "# race $i: exits $ra and $rb"
  t "race-$i-a-done-or-refused" done_or_busy "$ra" "$k/race-a"
  t "race-$i-b-done-or-refused" done_or_busy "$rb" "$k/race-b"
  left=none
  for d in a b; do
    diff -r -x .manifold "$k/out" "$k/ref-$d" >/dev/null 2>&1 &&
      cmp -s "$k/out/.manifold/manifest" "$k/ref-$d/.manifold/manifest" && left=$d
  done
  t "race-$i-one-build-left" test "$left" != none
  t "race-$i-next-build-exact" exact a
done

t kill-references-untouched test "$(files "$k/ref-a")" = "$(cat "$k/a.files")"
rm -rf "$k"
