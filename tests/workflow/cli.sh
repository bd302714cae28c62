# Sourced by tests/workflow/run (uses its $run, $bin, $work, $here, $sys, t and build).
#
# The command line's conventions: help per command made from the option
# tables (and the same in `help COMMAND`), did-you-mean for commands,
# options and their values, --env listing the environments, a bad --target
# stopping before any work, -o under a regular file as one error, --color
# and NO_COLOR, init, and what is made from the same tables: the bash and
# zsh completion scripts, the man page (its source holds every option of
# every command) and `make install`.
root=$(cd "$here/../.." && pwd)
commands=$($run help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}')
t help-lists-commands test "$(echo $commands)" = "build diff check lint graph init import rules explain schema completion version help"
# every command's own options, long names, from its --help
opts_of() { $run "$1" --help | sed -n 's/^  \(-[a-zA-Z], \|    \)--\([a-z-]*\).*/\2/p'; }
same=1 oneline=1
for c in $commands; do
  cmp -s <($run "$c" --help) <($run help "$c") || same=0
  # one line per option, each with its help text
  $run "$c" --help | awk '/^options:/{on=1; next} on && /^$/{exit} on && !/^  (-[a-zA-Z], |    )--[a-z-]+( [A-Z]+)? +[a-z]/{bad=1} END{exit bad}' || oneline=0
done
t help-command-equals-dash-help test "$same" = 1
t help-one-line-per-option test "$oneline" = 1
t help-build-options test "$(opts_of build | tr '\n' ' ')" = "output env target check force fail-on quiet verbose color help "
t help-exit-status grep -q '4 drift (--check)' <($run build --help)
$run help nosuch >/dev/null 2>"$work/log"; rc=$?
t help-unknown-command test "$rc" -eq 2

# did you mean
$run biuld x >/dev/null 2>"$work/log"; rc=$?
t dym-command test "$rc" -eq 2 -a "$(head -n 1 "$work/log")" = "manifold: unknown command 'biuld': did you mean 'build'?"
$run build "$sys" --forse >/dev/null 2>"$work/log"; rc=$?
t dym-option test "$rc" -eq 2 -a "$(head -n 1 "$work/log")" = "manifold build: unknown option '--forse': did you mean '--force'?"
$run check "$sys" --force >/dev/null 2>"$work/log"; rc=$?
t option-of-another-command test "$rc" -eq 2 -a "$(head -n 1 "$work/log")" = "manifold check: '--force' is not an option of 'check'"
$run check "$sys" --format sarf >/dev/null 2>"$work/log"; rc=$?
t dym-format test "$rc" -eq 2 -a "$(head -n 1 "$work/log")" = "manifold check: unknown --format 'sarf': did you mean 'sarif'? (one of text, json, sarif, github, gitlab)"
$run check "$sys" --env stagin >"$work/log" 2>&1; rc=$?
t dym-env test "$rc" -eq 2 -a "$(grep -c "note: did you mean 'staging'? the environments are 'development', 'staging'" "$work/log")" -eq 1
$run check "$sys" --env prod >"$work/log" 2>&1
t env-lists-environments grep -qx "note: the environments are 'development', 'staging'" "$work/log"
$run explain privilegd >/dev/null 2>"$work/log"
t dym-rule grep -q "unknown rule 'privilegd': did you mean 'privileged'?" "$work/log"
$run schema sytem >/dev/null 2>"$work/log"
t dym-schema grep -q "did you mean 'system'?" "$work/log"
# a bad --target stops before anything is read or written
$run build "$work/does-not-exist.yaml" -o "$work/t" -t helmm >/dev/null 2>"$work/log"; rc=$?
t bad-target-first test "$rc" -eq 2 -a ! -e "$work/t" -a "$(head -n 1 "$work/log")" = "manifold build: unknown --target 'helmm': did you mean 'helm'? (one of kustomize, helm, compose, velero)"
# -o under a regular file: one error, not one per output file
: > "$work/regular"
for mode in "" --check; do
  build "$sys" -o "$work/regular/out" $mode; rc=$?
  t "o-under-file-one-error${mode}" test "$rc" -eq 3 -a "$(grep -c ' error: ' "$work/log")" -eq 1
done
$run build "$sys" -o "" >/dev/null 2>&1
t o-empty-usage test $? -eq 2
$run build >/dev/null 2>"$work/log"; rc=$?
t missing-system test "$rc" -eq 2 -a "$(head -n 1 "$work/log")" = "manifold build: missing SYSTEM"
$run build "$sys" "$sys" >/dev/null 2>&1
t extra-operand test $? -eq 2
$run version >"$work/v1"; $run --version >"$work/v2"
t version-both cmp -s "$work/v1" "$work/v2"

# colour: --color decides; under auto, a terminal (script gives one), TERM and NO_COLOR
esc=$'\033['
$run check "$sys" --color=always >"$work/c.out" 2>&1
t color-always grep -qF "$esc" "$work/c.out"
$run check "$sys" --color never >"$work/c.out" 2>&1
t color-never test -z "$(grep -F "$esc" "$work/c.out")"
on_tty() { TERM=xterm script -qec "$*" /dev/null; }
if command -v script >/dev/null 2>&1; then
  NO_COLOR= on_tty "$bin check $sys" >"$work/c.out" 2>&1
  t no-color-empty-is-unset grep -qF "$esc" "$work/c.out"
  NO_COLOR=1 on_tty "$bin check $sys" >"$work/c.out" 2>&1
  t no-color-set test -z "$(grep -F "$esc" "$work/c.out")"
  NO_COLOR=1 on_tty "$bin check $sys --color=always" >"$work/c.out" 2>&1
  t color-always-beats-no-color grep -qF "$esc" "$work/c.out"
  TERM=dumb script -qec "$bin check $sys" /dev/null >"$work/c.out" 2>&1
  t color-dumb-terminal test -z "$(grep -F "$esc" "$work/c.out")"
else
  t script-for-a-terminal false
fi

# init: a description that builds and checks clean, never over an existing file
(cd "$work" && mkdir -p init && cd init && $run init >/dev/null 2>&1); rc=$?
t init-writes test "$rc" -eq 0 -a -f "$work/init/system.yaml"
$run check "$work/init/system.yaml" --fail-on warning >"$work/log" 2>&1
t init-checks-clean test $? -eq 0 -a -z "$(grep -E ' (warning|error): ' "$work/log")"
build "$work/init/system.yaml" -o "$work/init/out" --fail-on warning; rc=$?
t init-builds-clean test "$rc" -eq 0 -a -f "$work/init/out/compose/development/compose.yaml" -a -f "$work/init/out/kubernetes/overlays/production/kustomization.yaml"
before=$(cksum < "$work/init/system.yaml")
(cd "$work/init" && $run init) >/dev/null 2>"$work/log"; rc=$?
t init-never-overwrites test "$rc" -eq 2 -a "$before" = "$(cksum < "$work/init/system.yaml")"
$run init -o - --name shop | grep -qx '  name: shop .*'
t init-stdout-name test $? -eq 0
$run init -o - --name Shop >/dev/null 2>&1
t init-bad-name test $? -eq 2
# init --from: the import of a Compose file, which checks without errors, never overwritten
printf 'services:\n  web:\n    image: nginx:1.27\n    ports: ["8080:80"]\n' >"$work/compose.yaml"
$run init -o "$work/from.yaml" --from "$work/compose.yaml" >/dev/null 2>"$work/log"; rc=$?
t init-from-imports test "$rc" -eq 0 -a -f "$work/from.yaml"
$run check "$work/from.yaml" >"$work/log" 2>&1
t init-from-checks test $? -eq 0
before=$(cksum < "$work/from.yaml")
$run init -o "$work/from.yaml" --from "$work/compose.yaml" >/dev/null 2>&1; rc=$?
t init-from-never-overwrites test "$rc" -eq 2 -a "$before" = "$(cksum < "$work/from.yaml")"
$run init -o "$work/from2.yaml" --from "$work/nosuch.yaml" >/dev/null 2>&1; rc=$?
t init-from-missing test "$rc" -eq 2 -a ! -e "$work/from2.yaml"
# import: the same bytes every time, and the same on standard output as in a file
$run import "$work/compose.yaml" -o - 2>/dev/null >"$work/imp1.yaml"
$run import "$work/compose.yaml" -o - 2>/dev/null >"$work/imp2.yaml"
t import-deterministic cmp -s "$work/imp1.yaml" "$work/imp2.yaml"
t import-stdout-is-init cmp -s "$work/imp1.yaml" "$work/from.yaml"

# bash completion, from the tables: every option of every command is offered
$run completion bash >"$work/manifold.bash"
comp() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _manifold; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$work/manifold.bash" "$@"
}
t bash-syntax bash -n "$work/manifold.bash"
t bash-commands test "$(comp manifold bu | tr '\n' ' ')" = "build "
t bash-option test "$(comp manifold build --ch | tr '\n' ' ')" = "--check "
t bash-target-values test "$(comp manifold build -t he | tr '\n' ' ')" = "helm "
t bash-equals-value test "$(comp manifold check --format = sa | tr '\n' ' ')" = "sarif "
t bash-rules test "$(comp manifold explain privilege | tr '\n' ' ')" = "privileged privilege-escalation "
t bash-help-commands test "$(comp manifold help gr | tr '\n' ' ')" = "graph "
all=1
for c in $commands; do
  offered=" $(comp manifold "$c" -- | tr '\n' ' ') "
  for o in $(opts_of "$c"); do
    case $offered in *" --$o "*) ;; *) all=0; echo "# bash completion of '$c' lacks --$o" ;; esac
  done
done
t bash-every-option test "$all" = 1
# zsh: the script parses, and each command's block names each of its options
$run completion zsh >"$work/_manifold"
if command -v zsh >/dev/null 2>&1; then t zsh-syntax zsh -n "$work/_manifold"; else t zsh-installed false; fi
all=1
for c in $commands; do
  block=$(awk -v c="($c)" '$1 == c {on=1; next} on && /^\t\t;;$/{exit} on' "$work/_manifold")
  for o in $(opts_of "$c"); do
    case $block in *"--$o"*) ;; *) all=0; echo "# zsh completion of '$c' lacks --$o" ;; esac
  done
done
t zsh-every-option test "$all" = 1
$run completion fish >/dev/null 2>&1
t completion-unknown-shell test $? -eq 2

# the man page: scdoc renders it; its section of each command names each option
scd=$root/docs/manifold.1.scd
all=1
for c in $commands; do
  section=$(awk -v h="## $c" '$0 == h {on=1; next} on && /^#/{exit} on' "$scd")
  [ -n "$section" ] || { all=0; echo "# the man page has no section '## $c'"; }
  for o in $(opts_of "$c"); do
    [ "$o" = help ] && continue
    case $section in *"*--$o*"*) ;; *) all=0; echo "# the man page's '$c' lacks --$o" ;; esac
  done
done
t man-every-option test "$all" = 1
if command -v scdoc >/dev/null 2>&1; then
  scdoc <"$scd" >"$work/manifold.1" 2>"$work/log"
  t man-renders test $? -eq 0 -a -s "$work/manifold.1"
  if command -v groff >/dev/null 2>&1; then
    groff -man -Tutf8 -ww -z "$work/manifold.1" >"$work/log" 2>&1
    t man-groff-clean test ! -s "$work/log"
  fi
  # make install puts the binary, the man page and both completions in place
  make -s -C "$root" install BUILD="$(dirname "$bin")" DESTDIR="$work/inst" PREFIX=/usr >"$work/log" 2>&1
  t install-ok test $? -eq 0
  for f in bin/manifold share/man/man1/manifold.1 share/bash-completion/completions/manifold \
           share/zsh/site-functions/_manifold share/manifold/schemas/system.schema.json; do
    t "install-$(echo "$f" | tr / -)" test -s "$work/inst/usr/$f"
  done
  t install-completion-current cmp -s "$work/inst/usr/share/bash-completion/completions/manifold" "$work/manifold.bash"
else
  t scdoc-installed false
fi
