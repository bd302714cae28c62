#!/usr/bin/env node
// compose-validate: checks Docker Compose files the way `docker compose` (v2) would load them.
//
//   node compose-validate.mjs FILE...
//
// For each file:
//   1. it is one YAML document (YAML 1.2 rules and merge keys, as compose-go reads it, duplicate keys
//      are errors) whose top level is a mapping;
//   2. the Compose Specification JSON schema, as bundled by dclint (dclint/schemas/compose.schema.json),
//      with ajv;
//   3. variables: every ${VAR} / $VAR without a default must be defined in the .env.example beside the
//      file (the documented way to run it is `cp .env.example .env`); the file is then interpolated
//      with those values and defaults, and the checks below run on the result;
//   4. what compose checks when it loads or starts the project: depends_on targets exist, no
//      dependency cycles, service_healthy targets have a healthcheck, named volumes / networks /
//      secrets / configs are declared, network_mode service:X exists, image or build is set,
//      restart policy, durations, byte sizes, port syntax, host ports published twice, container_name
//      uniqueness.
//
// Output: one line per problem, "FILE: where: message", then "N passed, M failed" (files).
// Exit status 1 if any file failed, 2 on usage errors.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import YAML from "yaml";
import Ajv from "ajv";

const files = process.argv.slice(2);
if (files.length === 0 || files.some((f) => f.startsWith("-"))) {
  process.stderr.write("usage: compose-validate.mjs FILE...\n");
  process.exit(2);
}

const require = createRequire(import.meta.url);
const schemaFile = path.join(path.dirname(require.resolve("dclint/package.json")), "schemas", "compose.schema.json");
// The upstream schema is draft-07 (ajv's default draft), but names its meta-schema by a URL ajv does
// not register ("https://json-schema.org/draft-07/schema"), and uses annotations ajv's strict mode
// does not know ("deprecated").
const composeSchema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
delete composeSchema.$schema;
const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
const validateSchema = ajv.compile(composeSchema);

const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const obj = (v) => (isObj(v) ? v : {});
const arr = (v) => (Array.isArray(v) ? v : []);

function schemaMessages(errors) {
  const out = new Set();
  for (const e of errors) {
    const at = (e.instancePath || "").replace(/^\//, "").replace(/\//g, ".") || "(top level)";
    if (e.keyword === "additionalProperties") out.add(`schema: ${at}: unknown key "${e.params.additionalProperty}"`);
    else if (e.keyword === "required") out.add(`schema: ${at}: missing "${e.params.missingProperty}"`);
    else if (e.keyword === "enum") out.add(`schema: ${at}: must be one of ${e.params.allowedValues.join(", ")}`);
    else if (e.keyword === "oneOf" || e.keyword === "anyOf") continue; // the branch errors say more
    else out.add(`schema: ${at}: ${e.message}`);
  }
  return [...out];
}

// ---------------------------------------------------------------- interpolation
function readEnvFile(file) {
  const env = new Map();
  for (const raw of fs.readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = line.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/);
    if (!m) continue;
    let v = m[2];
    if (/^".*"$/.test(v) || /^'.*'$/.test(v)) v = v.slice(1, -1);
    env.set(m[1], v);
  }
  return env;
}
// Interpolates one string like compose does; records variables used without a default in `missing`.
function interpolate(s, env, missing, where) {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c !== "$") { out += c; i++; continue; }
    if (s[i + 1] === "$") { out += "$"; i += 2; continue; }
    const simple = s.slice(i + 1).match(/^[A-Za-z_][A-Za-z0-9_]*/);
    if (simple) {
      const name = simple[0];
      if (env.has(name)) out += env.get(name); else missing.push({ name, where });
      i += 1 + name.length;
      continue;
    }
    if (s[i + 1] !== "{") { out += c; i++; continue; }
    // ${...} with possible nesting in the default
    let depth = 0, j = i + 1;
    for (; j < s.length; j++) {
      if (s[j] === "{") depth++;
      else if (s[j] === "}" && --depth === 0) break;
    }
    if (j >= s.length) throw new Error(`unterminated "\${" in "${s}"`);
    const body = s.slice(i + 2, j);
    const m = body.match(/^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/);
    if (!m) throw new Error(`invalid interpolation "\${${body}}"`);
    const [, name, op, arg = ""] = m;
    const set = env.has(name), val = env.get(name);
    const nonEmpty = set && val !== "";
    if (!op) { if (set) out += val; else missing.push({ name, where }); }
    else if (op === ":-") out += nonEmpty ? val : interpolate(arg, env, missing, where);
    else if (op === "-") out += set ? val : interpolate(arg, env, missing, where);
    else if (op === ":+") out += nonEmpty ? interpolate(arg, env, missing, where) : "";
    else if (op === "+") out += set ? interpolate(arg, env, missing, where) : "";
    else if (op === ":?" || op === "?") { if (op === ":?" ? nonEmpty : set) out += val; else missing.push({ name, where, required: arg }); }
    i = j + 1;
  }
  return out;
}
function interpolateTree(v, env, missing, where = "") {
  if (typeof v === "string") return interpolate(v, env, missing, where);
  if (Array.isArray(v)) return v.map((x, i) => interpolateTree(x, env, missing, `${where}[${i}]`));
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolateTree(x, env, missing, where ? `${where}.${k}` : k)]));
  return v;
}

// ---------------------------------------------------------------- compose rules
const DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
const BYTES = /^[0-9]+(\.[0-9]+)?\s*([kmgtp]i?b?|b)?$/i;
const PORT = /^(?:(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):)?(\d+(?:-\d+)?)?:)?(\d+(?:-\d+)?)(?:\/(tcp|udp|sctp))?$/;
const RESTART = /^(no|always|unless-stopped|on-failure(:\d+)?)$/;
const isPathLike = (s) => /^[./~]/.test(s) || s.includes("/") || /^[A-Za-z]:\\/.test(s);

function checkProject(doc, errs) {
  const services = obj(doc.services);
  const declared = (k) => new Set(Object.keys(obj(doc[k])));
  const volumes = declared("volumes"), networks = declared("networks"), secrets = declared("secrets"), configs = declared("configs");
  networks.add("default");
  if (Object.keys(services).length === 0 && !doc.include) errs.push(["services", "no services defined"]);
  const published = new Map();
  const containerNames = new Map();
  const depGraph = new Map();
  for (const [name, sv] of Object.entries(services)) {
    const w = `services.${name}`;
    if (!isObj(sv)) continue;
    if (sv.image === undefined && sv.build === undefined && sv.extends === undefined && sv.provider === undefined) errs.push([w, "needs image or build"]);
    const deps = Array.isArray(sv.depends_on) ? sv.depends_on.map((d) => [d, {}]) : Object.entries(obj(sv.depends_on));
    depGraph.set(name, deps.map(([d]) => d));
    for (const [d, opt] of deps) {
      if (!(d in services)) errs.push([`${w}.depends_on`, `service "${d}" is not defined`]);
      else if (obj(opt).condition === "service_healthy" && !obj(services[d]).healthcheck) errs.push([`${w}.depends_on`, `"${d}" is waited for with condition service_healthy but has no healthcheck`]);
      else if (obj(opt).condition === "service_healthy" && obj(obj(services[d]).healthcheck).disable === true) errs.push([`${w}.depends_on`, `"${d}" is waited for with condition service_healthy but its healthcheck is disabled`]);
    }
    arr(sv.volumes).forEach((v, i) => {
      let src = null;
      if (typeof v === "string") { const p = v.split(":"); if (p.length >= 2) src = p[0]; }
      else if (isObj(v) && (v.type === "volume" || v.type === undefined)) src = v.source ?? null;
      if (src && !isPathLike(src) && !volumes.has(src)) errs.push([`${w}.volumes[${i}]`, `named volume "${src}" is not declared under top-level volumes`]);
    });
    const nets = Array.isArray(sv.networks) ? sv.networks : Object.keys(obj(sv.networks));
    for (const n of nets) if (!networks.has(n)) errs.push([`${w}.networks`, `network "${n}" is not declared under top-level networks`]);
    if (sv.network_mode !== undefined && sv.networks !== undefined) errs.push([w, "network_mode and networks may not both be set"]);
    if (typeof sv.network_mode === "string" && sv.network_mode.startsWith("service:") && !(sv.network_mode.slice(8) in services)) errs.push([`${w}.network_mode`, `service "${sv.network_mode.slice(8)}" is not defined`]);
    for (const [k, set] of [["secrets", secrets], ["configs", configs]]) {
      arr(sv[k]).forEach((x, i) => {
        const src = typeof x === "string" ? x : obj(x).source;
        if (src && !set.has(src)) errs.push([`${w}.${k}[${i}]`, `${k.slice(0, -1)} "${src}" is not declared under top-level ${k}`]);
      });
    }
    if (isObj(sv.extends) && !sv.extends.file && !(sv.extends.service in services)) errs.push([`${w}.extends`, `service "${sv.extends.service}" is not defined`]);
    if (typeof sv.restart === "string" && !RESTART.test(sv.restart)) errs.push([`${w}.restart`, `"${sv.restart}" is not one of no, always, on-failure[:N], unless-stopped`]);
    const hc = obj(sv.healthcheck);
    for (const k of ["interval", "timeout", "start_period", "start_interval"]) if (typeof hc[k] === "string" && !DURATION.test(hc[k])) errs.push([`${w}.healthcheck.${k}`, `"${hc[k]}" is not a duration like 30s or 1m30s`]);
    if (Array.isArray(hc.test) && !["NONE", "CMD", "CMD-SHELL"].includes(hc.test[0])) errs.push([`${w}.healthcheck.test`, `a list must start with "CMD", "CMD-SHELL" or "NONE"`]);
    if (typeof sv.stop_grace_period === "string" && !DURATION.test(sv.stop_grace_period)) errs.push([`${w}.stop_grace_period`, `"${sv.stop_grace_period}" is not a duration`]);
    for (const k of ["mem_limit", "mem_reservation", "memswap_limit", "shm_size"]) {
      const v = sv[k];
      if (typeof v === "string" && !BYTES.test(v) && !(k === "memswap_limit" && v === "-1")) errs.push([`${w}.${k}`, `"${v}" is not a byte size like 512m or 1g`]);
    }
    if (typeof sv.cpus === "string" && !/^\d+(\.\d+)?$/.test(sv.cpus)) errs.push([`${w}.cpus`, `"${sv.cpus}" is not a number`]);
    for (const part of ["limits", "reservations"]) {
      const r = obj(obj(obj(sv.deploy).resources)[part]);
      if (typeof r.memory === "string" && !BYTES.test(r.memory)) errs.push([`${w}.deploy.resources.${part}.memory`, `"${r.memory}" is not a byte size`]);
      if (typeof r.cpus === "string" && !/^\d+(\.\d+)?$/.test(r.cpus)) errs.push([`${w}.deploy.resources.${part}.cpus`, `"${r.cpus}" is not a number`]);
    }
    // fields the schema lets be strings (for interpolation) but compose converts to integers
    const intFields = [
      ["healthcheck.retries", hc.retries], ["scale", sv.scale], ["pids_limit", sv.pids_limit], ["cpu_shares", sv.cpu_shares],
      ["cpu_quota", sv.cpu_quota], ["cpu_period", sv.cpu_period], ["oom_score_adj", sv.oom_score_adj], ["mem_swappiness", sv.mem_swappiness],
      ["deploy.replicas", obj(sv.deploy).replicas], ["deploy.restart_policy.max_attempts", obj(obj(sv.deploy).restart_policy).max_attempts],
      ["deploy.update_config.parallelism", obj(obj(sv.deploy).update_config).parallelism],
      ["deploy.resources.limits.pids", obj(obj(obj(sv.deploy).resources).limits).pids],
    ];
    for (const [k, v] of intFields) if (typeof v === "string" && !/^[+-]?\d+$/.test(v.trim())) errs.push([`${w}.${k}`, `"${v}" is not an integer`]);
    arr(sv.expose).forEach((e, i) => {
      if (typeof e === "string" && !/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(e)) errs.push([`${w}.expose[${i}]`, `"${e}" is not a port or port range`]);
    });
    arr(sv.ports).forEach((p, i) => {
      let key = null;
      if (typeof p === "number") return;
      if (typeof p === "string") {
        const m = p.match(PORT);
        if (!m) { errs.push([`${w}.ports[${i}]`, `"${p}" is not [host_ip:][host_port:]container_port[/protocol]`]); return; }
        for (const n of [m[2], m[3]].filter(Boolean).flatMap((r) => r.split("-"))) if (+n < 1 || +n > 65535) errs.push([`${w}.ports[${i}]`, `port ${n} is out of range 1-65535`]);
        if (m[2]) key = `${m[1] || "0.0.0.0"}:${m[2]}/${m[4] || "tcp"}`;
      } else if (isObj(p)) {
        if (typeof p.target === "string" && !/^\d+(-\d+)?$/.test(p.target)) errs.push([`${w}.ports[${i}].target`, `"${p.target}" is not a port`]);
        if (typeof p.published === "string" && !/^\d+(-\d+)?$/.test(p.published)) errs.push([`${w}.ports[${i}].published`, `"${p.published}" is not a port or port range`]);
        if (p.published !== undefined) key = `${p.host_ip || "0.0.0.0"}:${p.published}/${p.protocol || "tcp"}`;
      }
      if (key) {
        if (published.has(key)) errs.push([`${w}.ports[${i}]`, `host port ${key} is also published by service "${published.get(key)}"`]);
        else published.set(key, name);
      }
    });
    if (sv.container_name !== undefined) {
      if (containerNames.has(sv.container_name)) errs.push([`${w}.container_name`, `"${sv.container_name}" is also used by service "${containerNames.get(sv.container_name)}"`]);
      containerNames.set(sv.container_name, name);
      const replicas = obj(sv.deploy).replicas ?? sv.scale;
      if (replicas !== undefined && Number(replicas) > 1) errs.push([`${w}.container_name`, "may not be set when the service has more than one replica"]);
    }
  }
  // dependency cycles
  const state = new Map();
  const visit = (n, trail) => {
    if (state.get(n) === "done" || !depGraph.has(n)) return;
    if (state.get(n) === "active") { errs.push(["services", `dependency cycle: ${[...trail.slice(trail.indexOf(n)), n].join(" -> ")}`]); return; }
    state.set(n, "active");
    for (const d of depGraph.get(n)) visit(d, [...trail, n]);
    state.set(n, "done");
  };
  for (const n of depGraph.keys()) visit(n, []);
}

// ---------------------------------------------------------------- main
let passed = 0, failed = 0;
for (const file of files) {
  const errs = []; // [where, message]
  let doc = null;
  try {
    const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"), { version: "1.2", merge: true, uniqueKeys: true });
    const real = docs.filter((d) => d.contents !== null || d.errors.length);
    if (real.length !== 1) errs.push(["(file)", `must hold exactly one YAML document, holds ${real.length}`]);
    else if (real[0].errors.length) {
      const e = real[0].errors[0];
      const msg = String(e.message).split("\n")[0].replace(/:\s*$/, "");
      errs.push(["(file)", `YAML: ${msg}${e.linePos && !/ at line \d+/.test(msg) ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : ""}`]);
    } else {
      doc = real[0].toJS({ maxAliasCount: 1000 });
      if (!isObj(doc)) { errs.push(["(file)", "top level is not a mapping"]); doc = null; }
    }
  } catch (e) { errs.push(["(file)", `cannot read: ${e.code || e.message}`]); }
  if (doc) {
    if (!validateSchema(doc)) for (const m of schemaMessages(validateSchema.errors)) errs.push(["(file)", m]);
    const envExample = path.join(path.dirname(file), ".env.example");
    const haveExample = fs.existsSync(envExample);
    const env = haveExample ? readEnvFile(envExample) : new Map();
    const missing = [];
    let resolved = null;
    try { resolved = interpolateTree(doc, env, missing); } catch (e) { errs.push(["(file)", `interpolation: ${e.message}`]); }
    const reported = new Set();
    for (const m of missing) {
      if (reported.has(m.name)) continue;
      reported.add(m.name);
      errs.push([m.where || "(file)", haveExample
        ? `variable ${m.name} is used without a default and is not defined in .env.example`
        : `variable ${m.name} is used without a default and there is no .env.example beside the file`]);
    }
    if (resolved) checkProject(resolved, errs);
  }
  if (errs.length) { failed++; for (const [w, m] of errs) process.stdout.write(`${file}: ${w}: ${m}\n`); }
  else passed++;
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed ? 1 : 0;
