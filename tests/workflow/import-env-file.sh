# Sourced by tests/workflow/run (uses its $run, $work, $here, t and build).
#
# manifold import carries an env_file as envFile when the description sits
# where it can name the file (its folder) and the file holds no secret; the
# description then builds back to an env_file of that file (optional ones
# in the long form), and a '$${' Compose meant literally stays literal.
ie=$work/import-env; mkdir -p "$ie"
printf 'CACHE_URL=redis://cache:6379\nMODE=fast\n' > "$ie/api.env"
cat > "$ie/compose.yaml" <<'YAML'
services:
  api:
    image: nginx:1.27.3
    env_file: [api.env, {path: missing.env, required: false}]
    command: [sh, -c, 'echo $${HOSTNAME}']
YAML
(cd "$ie" && $run import compose.yaml -o system.yaml >/dev/null 2>"$ie/import.log")
t import-env-file-carried grep -qx '    - api.env' "$ie/system.yaml"
t import-env-file-optional grep -qx '      required: false' "$ie/system.yaml"
t import-literal-brace-escaped grep -qF 'echo $${HOSTNAME}' "$ie/system.yaml"
(cd "$ie" && $run build system.yaml -o out >/dev/null 2>&1)
t import-env-file-builds grep -qF -- '- ../../../api.env' "$ie/out/compose/development/compose.yaml"
t import-literal-brace-compose grep -qF 'echo $${HOSTNAME}' "$ie/out/compose/development/compose.yaml"
