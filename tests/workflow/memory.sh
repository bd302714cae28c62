# Memory budget (sourced by run; docs/limits.md): a description whose
# expansion goes past the budget is an error at what was being built, exit 2,
# nothing written, at whatever stage the limit falls (load, render, check,
# emit); MANIFOLD_MEMORY_LIMIT sets a low one so that this stays fast.
{
  echo "manifold: 1"
  echo "system:"; echo "  name: many"; echo "  labels:"
  for i in $(seq -w 1 3000); do echo "    l$i: v"; done
  echo "services:"
  for i in 1 2 3; do printf '  svc-%s:\n    image: nginx:1.27\n    ports: {http: 8080}\n' "$i"; done
  echo "environments:"
  echo "  development: {targets: [compose, kustomize, helm]}"
  echo "  production: {targets: [compose, kustomize, helm]}"
} >"$work/labels.yaml"
mem_ok=1
# the build needs about 33 MiB (2026-12-03), so the last limits fall late in
# the run; when the compiler needs less, raise the labels, not the limits
for lim in 64Ki 2Mi 8Mi 16Mi 24Mi 32Mi; do
  rm -rf "$work/mem"
  MANIFOLD_MEMORY_LIMIT=$lim $run build "$work/labels.yaml" -o "$work/mem" >"$work/mem.log" 2>&1
  rc=$?
  if [ "$rc" != 2 ] || [ -e "$work/mem" ] ||
    ! grep -q "error: this needs more than [0-9]* bytes of memory, the limit for [0-9]* bytes of input \[memory-limit\]$" "$work/mem.log" ||
    grep -q '\[internal\]' "$work/mem.log"; then
    echo "# memory limit $lim: exit $rc"; head -5 "$work/mem.log"; mem_ok=0
  fi
done
t memory-limit-exit2-at-every-stage test "$mem_ok" = 1
MANIFOLD_MEMORY_LIMIT=8Mi $run build "$work/labels.yaml" -o "$work/mem" >"$work/mem.log" 2>&1
t memory-limit-positioned grep -q "^$work/labels.yaml:[0-9]*:[0-9]*: error: this needs more than 8388608 bytes" "$work/mem.log"
t memory-limit-note-names-the-variable grep -q "^note: the limit MANIFOLD_MEMORY_LIMIT sets$" "$work/mem.log"
MANIFOLD_MEMORY_LIMIT=8Mi $run check "$work/labels.yaml" >"$work/mem.log" 2>&1
t memory-limit-check-exit2 test $? -eq 2
rm -rf "$work/mem"
$run build "$work/labels.yaml" -o "$work/mem" >"$work/mem.log" 2>&1
t memory-default-budget-builds test $? -le 1 -a -s "$work/mem/.manifold/manifest"
MANIFOLD_MEMORY_LIMIT=lots $run check "$work/labels.yaml" >"$work/mem.log" 2>&1
t memory-limit-invalid-exit2 test $? -eq 2
t memory-limit-invalid-says-why grep -q "MANIFOLD_MEMORY_LIMIT='lots' is not a number of bytes" "$work/mem.log"
rm -rf "$work/mem"
