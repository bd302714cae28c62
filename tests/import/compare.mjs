#!/usr/bin/env node
// compare: the round trip of `manifold import` over the pinned Compose projects.
//
//   node tests/import/compare.mjs MANIFOLD [--update] [--verbose] [FIXTURE...]
//   node tests/import/compare.mjs MANIFOLD --pair ORIGINAL_DIR FILES... -- GENERATED_COMPOSE
//
// For each fixture (tests/import/<name>/, set up in a scratch folder as its README says):
//   1. `manifold import FILE... -o imported.yaml` must succeed;
//   2. `manifold build imported.yaml -o out` must write out/compose/development/compose.yaml
//      (policy findings are fine: they are the Compose file's own);
//   3. the original files and the generated one are both normalised the way `docker compose
//      config` would print them (written here, independent of manifold's C code): interpolation
//      from .env, -f files merged, env_file read into environment, short forms in long forms,
//      paths absolute, durations in ms, sizes in bytes, Docker's defaults filled in;
//   4. each service is flattened into leaves (`environment.FOO`, `ports[127.0.0.1:80:80/tcp]`,
//      `healthcheck.interval`); a leaf of the original is carried when the generated service
//      has the same leaf with the same value.
// It prints "FIXTURE: carried N / total M" and fails when N falls below the floor recorded
// in floors.json (--update records the current counts).  --verbose lists every leaf that was
// not carried, with the reason the table below gives for its key.
//
// The `yaml` package comes from tests/conformance/node_modules (MF_NODE_MODULES overrides).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = process.env.MF_NODE_MODULES || path.join(here, "..", "conformance", "node_modules");
const YAML = createRequire(path.join(modules, "..", "x.js"))("yaml");

// How each fixture is set up, as its upstream README says (tests/import/README.md).
export const FIXTURES = {
  langfuse: { files: ["docker-compose.yml"] },
  "n8n-starter": { files: ["docker-compose.yml"], copy: { ".env.example": ".env" } },
  immich: { files: ["docker-compose.yml"], copy: { "example.env": ".env" } },
  dify: { files: ["docker-compose.yaml"], copy: { ".env.example": ".env" } },
  zulip: {
    files: ["compose.yaml", "compose.override.yaml"],
    copy: { "compose.override.yaml.example": "compose.override.yaml" },
  },
  kong: { files: ["docker-compose.yml"] },
  temporal: { files: ["docker-compose.yml"] },
  jitsi: {
    files: ["docker-compose.yml", "etherpad.yml", "grafana.yml", "jibri.yml", "jigasi.yml",
      "log-analyser.yml", "prometheus.yml", "transcriber.yml", "whiteboard.yml"],
    copy: { "env.example": ".env" },
  },
  // mailcow's .env is written by its generate_config.sh: the variables it must have
  mailcow: {
    files: ["docker-compose.yml"],
    write: { ".env": "MAILCOW_HOSTNAME=mail.example.org\nDBPASS=dbpass\nDBROOT=dbroot\n" +
      "REDISPASS=redispass\nTZ=UTC\n" },
  },
  searxng: { files: ["docker-compose.yaml"] },
};

// Why a key is not carried (the first matching prefix of the leaf's path).
export const REASONS = [
  ["container_name", "no container names in the language yet (issue 13, container settings)"],
  ["hostname", "no host names in the language yet (issue 13)"],
  ["networks", "an alias that is no DNS label, or a per-network setting other than aliases (ipv4_address, priority)"],
  ["labels", "no container labels in the language yet (issue 13)"],
  ["logging", "no logging settings in the language yet (issue 13)"],
  ["ulimits", "no ulimits in the language yet (issue 13)"],
  ["shm_size", "no shm_size in the language yet (issue 13)"],
  ["tty", "no tty in the language yet (issue 13)"],
  ["stdin_open", "no stdin_open in the language yet (issue 13)"],
  ["init", "no init in the language yet (issue 13)"],
  ["sysctls", "sysctls are not imported yet (the language has security.sysctls; issue 13)"],
  ["working_dir", "working_dir is not imported yet (the language has workingDir; issue 13)"],
  ["stop_grace_period", "not imported yet (the language has terminationGracePeriod; issue 13)"],
  ["devices", "no devices in the language yet (issue 13)"],
  ["dns", "no dns in the language yet (issue 13)"],
  ["extra_hosts", "no extra_hosts in the language yet (issue 13)"],
  ["secrets", "a secret's uid, gid or mode, or a secret that is no file (environment, external)"],
  ["attach", "attach is how `up` shows logs, not what the service does"],
  ["security_opt", "only no-new-privileges and seccomp/apparmor unconfined are said"],
  ["environment", "a variable name with '.' or one passed through from the shell (issue 13)"],
  ["healthcheck", "a healthcheck the description cannot say the same way"],
  ["restart", "restart: on-failure:N has no count in the language"],
  ["volumes[volume:", "a named volume's option (nocopy, :z)"],
  ["volumes[bind:~", "a bind source under '~' (the user's home folder) is not imported"],
  ["volumes[bind:", "a bind mount option other than ro/rw and z/Z (propagation, create_host_path)"],
  ["volumes[anonymous", "an anonymous volume has no equivalent"],
  ["volumes[tmpfs", "a tmpfs option other than size"],
  ["ports", "a port range, or one published on a port the host picks"],
  ["profiles", "a required dependency's profiles are added to the dependent's (docs/compose.md)"],
  ["depends_on", "a dependency condition the description changed"],
  ["user", "a user name or a variable: a description's user is a number"],
  ["deploy", "Swarm settings, or GPUs that are not NVIDIA by count"],
  ["pull_policy", "pull_policy needs the image's long form (not imported yet)"],
  ["(top)", "top-level configs and secrets that are no file, a network's driver options and ipam"],
];

// ---- .env and interpolation (Compose's rules, independent of the C code) --------------------

export function readEnv(file, vars = {}) {
  if (!fs.existsSync(file)) return vars;
  for (let line of fs.readFileSync(file, "utf8").split("\n")) {
    line = line.replace(/^\s+/, "").replace(/^export\s+/, "");
    const m = /^([A-Za-z0-9_.-]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].replace(/[\s\r]+$/, "");
    if (v.startsWith("'") && v.indexOf("'", 1) > 0) v = v.slice(1, v.indexOf("'", 1));
    else if (v.startsWith('"')) {
      let out = "";
      for (let i = 1; i < v.length && v[i] !== '"'; i++) {
        if (v[i] === "\\" && i + 1 < v.length) {
          i++;
          out += v[i] === "n" ? "\n" : v[i] === "t" ? "\t" : v[i];
        } else out += v[i];
      }
      v = interpolate(out, vars);
    } else v = interpolate(v.replace(/\s+#.*$/, "").replace(/\s+$/, ""), vars);
    vars[m[1]] = v;
  }
  return vars;
}

function braceEnd(s, i) {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    if (s[j] === "$" && s[j + 1] === "{") { depth++; j++; } else if (s[j] === "}" && --depth === 0) return j;
  }
  return -1;
}

export function interpolate(s, vars) {
  if (typeof s !== "string" || !s.includes("$")) return s;
  let out = "";
  for (let i = 0; i < s.length;) {
    if (s[i] !== "$") { out += s[i++]; continue; }
    if (s[i + 1] === "$") { out += "$"; i += 2; continue; }
    if (s[i + 1] === "{") {
      const end = braceEnd(s, i);
      if (end < 0) throw new Error(`bad interpolation in '${s}'`);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(s.slice(i + 2, end));
      if (!m) throw new Error(`bad interpolation in '${s}'`);
      const [, name, op = "", arg = ""] = m, v = vars[name];
      const have = op.startsWith(":") ? v !== undefined && v !== "" : v !== undefined;
      const o = op.replace(":", "");
      if (o === "?" && !have) throw new Error(`'${name}' is required: ${arg}`);
      out += o === "+" ? (have ? interpolate(arg, vars) : "")
        : o === "-" && !have ? interpolate(arg, vars) : (v ?? "");
      i = end + 1;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i + 1));
    if (!m) { out += s[i++]; continue; }
    out += vars[m[0]] ?? "";
    i += 1 + m[0].length;
  }
  return out;
}

function interpTree(n, vars) {
  if (typeof n === "string") return interpolate(n, vars);
  if (Array.isArray(n)) return n.map((x) => interpTree(x, vars));
  if (n && typeof n === "object") {
    const out = {};
    for (const [k, v] of Object.entries(n)) out[k] = k.startsWith("x-") ? v : interpTree(v, vars);
    return out;
  }
  return n;
}

// ---- merging several -f files ----------------------------------------------------------------

const asMap = (v) => {
  if (!Array.isArray(v)) return v ?? {};
  const out = {};
  for (const e of v) {
    const s = String(e), eq = s.indexOf("=");
    out[eq < 0 ? s : s.slice(0, eq)] = eq < 0 ? null : s.slice(eq + 1);
  }
  return out;
};
const depsMap = (v) => Array.isArray(v) ? Object.fromEntries(v.map((d) => [d, { condition: "service_started" }])) : v;
const targetOf = (e) => typeof e === "object" ? e.target : String(e).split(":")[1] ?? String(e);

function mergeKey(key, a, b) {
  if (a === undefined || b === null || b === undefined || ["command", "entrypoint", "test"].includes(key))
    return b;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (key === "volumes" || key === "devices") {
      const out = [...a];
      for (const e of b) {
        const j = out.findIndex((x) => targetOf(x) === targetOf(e));
        if (j >= 0) out[j] = e; else out.push(e);
      }
      return out;
    }
    if (key === "ports" || key === "expose") return [...a, ...b];
    return [...a, ...b.filter((e) => !a.some((x) => JSON.stringify(x) === JSON.stringify(e)))];
  }
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = mergeKey(k, a[k], v);
    return out;
  }
  return b;
}

function normaliseMaps(doc) {
  for (const s of Object.values(doc.services ?? {})) {
    if (!s || typeof s !== "object") continue;
    for (const k of ["environment", "labels", "sysctls"]) if (s[k] !== undefined) s[k] = asMap(s[k]);
    if (s.depends_on !== undefined) s.depends_on = depsMap(s.depends_on);
  }
  return doc;
}

export function loadProject(dir, files, vars) {
  let doc;
  for (const f of files) {
    const one = YAML.parse(fs.readFileSync(path.join(dir, f), "utf8"), { merge: true, maxAliasCount: -1 });
    const d = normaliseMaps(interpTree(one, vars));
    doc = doc ? mergeKey("", doc, d) : d;
  }
  return doc;
}

// ---- normalising one service (what `docker compose config` would print) --------------------

const DOCKER_HEALTH = { interval: 30000, timeout: 30000, retries: 3, start_period: 0 };

export function label(s, max = 40) {
  let out = s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+/, "");
  if (/^[0-9]/.test(out)) out = "x-" + out;
  return out.slice(0, max).replace(/-+$/, "") || "x";
}

function ms(v) {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return v * 1000;
  let total = 0;
  const units = { h: 3600000, m: 60000, s: 1000, ms: 1, us: 0.001, ns: 1e-6 };
  for (const m of String(v).matchAll(/([0-9.]+)(ms|us|ns|h|m|s)/g)) total += parseFloat(m[1]) * units[m[2]];
  return Math.round(total);
}

function bytes(v) {
  if (v === undefined || v === null) return undefined;
  const m = /^([0-9.]+)\s*([kmgt]?)(b|i?b?)?$/i.exec(String(v).trim());
  if (!m) return String(v);
  return Math.round(parseFloat(m[1]) * 1024 ** " kmgt".indexOf((m[2] || " ").toLowerCase()));
}

// Words of a string command as Compose splits it (quotes and backslashes, no shell).
export function words(s) {
  if (Array.isArray(s)) return s.map(String);
  const out = [];
  let cur = null, q = null;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (q) {
      if (ch === q) q = null;
      else if (ch === "\\" && q === '"' && i + 1 < s.length) cur += s[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') { q = ch; cur ??= ""; }
    else if (ch === "\\" && i + 1 < s.length) { cur = (cur ?? "") + s[++i]; }
    else if (/\s/.test(ch)) { if (cur !== null) out.push(cur); cur = null; }
    else cur = (cur ?? "") + ch;
  }
  if (cur !== null) out.push(cur);
  return out;
}

function portLeaves(p) {
  if (typeof p === "object") {
    return [`${p.host_ip ?? ""}:${p.published ?? ""}:${p.target}/${p.protocol ?? "tcp"}`];
  }
  let s = String(p), proto = "tcp";
  if (s.includes("/")) [s, proto] = [s.slice(0, s.lastIndexOf("/")), s.slice(s.lastIndexOf("/") + 1)];
  const last = s.lastIndexOf(":");
  if (last < 0) return [`::${s}/${proto}`];
  const target = s.slice(last + 1), rest = s.slice(0, last);
  let ip = "", host = rest;
  if (rest.startsWith("[")) { ip = rest.slice(1, rest.indexOf("]")); host = rest.slice(rest.indexOf("]") + 2); }
  else if (rest.includes(":")) { ip = rest.slice(0, rest.lastIndexOf(":")); host = rest.slice(rest.lastIndexOf(":") + 1); }
  if (ip === "0.0.0.0" || ip === "::") ip = "";
  return [`${ip}:${host}:${target}/${proto.toLowerCase()}`];
}

function mountLeaf(e, ctx) {
  let type, src, dst, opts = [];
  if (typeof e === "object") {
    ({ type = "volume", source: src, target: dst } = e);
    if (e.read_only) opts.push("ro");
    if (e.tmpfs?.size !== undefined) opts.push(`size=${bytes(e.tmpfs.size)}`);
    if (e.tmpfs?.mode !== undefined) opts.push(`mode=${e.tmpfs.mode}`);
    if (e.bind?.selinux) opts.push(e.bind.selinux);
    if (!src && type === "volume") type = "anonymous";
  } else {
    const parts = String(e).split(":");
    if (parts.length === 1) { type = "anonymous"; dst = parts[0]; }
    else {
      [src, dst] = parts;
      opts = (parts[2] ?? "").split(",").filter((o) => o && o !== "rw");
      type = /^[./~]/.test(src) || src.includes("/") ? "bind" : "volume";
    }
  }
  if (type === "bind" && !src.startsWith("~")) src = path.resolve(ctx.dir, src);
  if (type === "volume") src = ctx.volumeName(src);
  return [`${type}:${src ?? ""}:${dst}`, opts];
}

// A mount is one leaf, each of its options another: a bind carried without
// its ':z' is counted as carried, the ':z' as not.
function addMount(add, [mount, opts]) {
  add(`volumes[${mount}]`, true);
  for (const o of opts) add(`volumes[${mount}].${o}`, true);
}

function healthLeaves(h, add) {
  if (!h) return;
  if (h.disable === true || h.disable === "true") { add("healthcheck.disable", true); return; }
  if (h.test === undefined) return;
  let test = typeof h.test === "string" ? ["CMD-SHELL", h.test] : h.test.map(String);
  if (test[0] === "NONE") { add("healthcheck.disable", true); return; }
  add("healthcheck.test", JSON.stringify(test));
  for (const k of ["interval", "timeout", "start_period"]) add(`healthcheck.${k}`, ms(h[k]) ?? DOCKER_HEALTH[k]);
  add("healthcheck.retries", Number(h.retries ?? DOCKER_HEALTH.retries));
  if (h.start_interval !== undefined) add("healthcheck.start_interval", ms(h.start_interval));
}

const ENV_SKIP = new Set(["x-"]);

// The leaves of one service: path -> value (strings, numbers, booleans).
export function serviceLeaves(s, ctx) {
  const out = new Map();
  const add = (k, v) => { if (v !== undefined && v !== null) out.set(k, typeof v === "object" ? JSON.stringify(v) : v); };
  const env = {};
  for (const f of [].concat(s.env_file ?? [])) {
    const file = path.resolve(ctx.dir, typeof f === "object" ? f.path : f);
    const all = readEnv(file, { ...ctx.vars }), own = readEnv(file);
    for (const k of Object.keys(own)) env[k] = all[k];
  }
  for (const [k, v] of Object.entries(asMap(s.environment))) {
    if (v === null) { if (k in ctx.vars) env[k] = ctx.vars[k]; else delete env[k]; }
    else env[k] = String(v);
  }
  for (const [k, v] of Object.entries(env)) add(`environment.${k}`, v);
  for (const [key, v] of Object.entries(s)) {
    if (ENV_SKIP.has(key.slice(0, 2)) || ["environment", "env_file", "expose"].includes(key)) continue;
    switch (key) {
      case "image": add("image", String(v)); break;
      case "build": {
        const b = typeof v === "string" ? { context: v } : v;
        add("build.context", path.resolve(ctx.dir, b.context ?? "."));
        for (const [k2, v2] of Object.entries(b)) if (k2 !== "context") add(`build.${k2}`, v2);
        break;
      }
      case "command": case "entrypoint": if (v !== null) add(key, JSON.stringify(words(v))); break;
      case "ports": for (const p of v) for (const l of portLeaves(p)) add(`ports[${l}]`, true); break;
      case "volumes": for (const e of v) addMount(add, mountLeaf(e, ctx)); break;
      // a secret file: where it is mounted and which file it is (the Compose
      // secret's own name is the import's: docs/import.md)
      case "secrets": for (const e of v) {
        const src = typeof e === "string" ? e : e.source;
        const t = typeof e === "string" ? undefined : e.target;
        const file = ctx.secrets?.[src]?.file;
        add(`secrets[${t?.startsWith("/") ? t : `/run/secrets/${t ?? src}`}]`,
          file ? path.resolve(ctx.dir, file) : JSON.stringify(ctx.secrets?.[src] ?? null));
        if (typeof e === "object") for (const [k2, v2] of Object.entries(e)) if (!["source", "target"].includes(k2)) add(`secrets.${src}.${k2}`, v2);
        break;
      }
      case "tmpfs": for (const t of [].concat(v)) {
        const [dst, o = ""] = String(t).split(":");
        const opts = o.split(",").filter(Boolean).map((x) => x.startsWith("size=") ? `size=${bytes(x.slice(5))}` : x);
        addMount(add, [`tmpfs::${dst}`, opts]);
        break;
      }
      case "healthcheck": healthLeaves(v, add); break;
      case "depends_on":
        for (const [d, c] of Object.entries(depsMap(v))) {
          const to = ctx.rename(d);
          add(`depends_on.${to}.condition`, c?.condition ?? "service_started");
          if (c?.required === false || c?.required === "false") add(`depends_on.${to}.required`, false);
          if (c?.restart !== undefined) add(`depends_on.${to}.restart`, String(c.restart));
        }
        break;
      case "restart": add("restart", v === false ? "no" : String(v)); break;
      case "read_only": case "privileged": case "tty": case "stdin_open": case "init":
        if (v === true || v === "true") add(key, true); break;
      case "security_opt": // Docker reads `no-new-privileges` as `no-new-privileges:true`
        for (const e of [].concat(v)) add(`${key}[${String(e).replace(/^no-new-privileges([:=]true)?$/, "no-new-privileges:true").replace("=", ":")}]`, true);
        break;
      case "cap_add": case "cap_drop": case "profiles": case "dns":
        for (const e of [].concat(v)) add(`${key}[${e}]`, true); break;
      case "networks": {
        const names = Array.isArray(v) ? v : Object.keys(v ?? {});
        // renamed as the import renames them (a DNS label); `{}` and null both mean no aliases
        for (const n of names) if (n !== "default" || (!Array.isArray(v) && v[n])) {
          const c = Array.isArray(v) ? null : v[n] ?? null;
          add(`networks.${n === "default" ? n : label(n, 63)}`, JSON.stringify(c && Object.keys(c).length ? c : null));
        }
        break;
      }
      case "deploy":
        for (const [k2, v2] of Object.entries(v ?? {})) {
          if (k2 !== "resources") { add(`deploy.${k2}`, v2); continue; }
          for (const [kind, r] of Object.entries(v2 ?? {}))
            for (const [k3, v3] of Object.entries(r ?? {}))
              add(`deploy.resources.${kind}.${k3}`, k3 === "memory" ? bytes(v3) : k3 === "cpus" ? Number(v3) : v3);
        }
        break;
      case "user": add("user", String(v)); break;
      default: add(key, v);
    }
  }
  if (!out.has("restart")) out.set("restart", "no");
  return out;
}

// The services of a project, renamed as the import renames them, as leaf maps.
export function projectLeaves(doc, dir, vars, project) {
  const names = Object.keys(doc.services ?? {}).filter((k) => !k.startsWith("x-"));
  const rename = (n) => label(n);
  const vols = doc.volumes ?? {};
  const volumeName = (v) => vols[v]?.name ?? (vols[v]?.external ? v : `${project}_${v}`);
  const ctx = { dir, vars, rename, volumeName, secrets: doc.secrets ?? {} };
  const out = new Map();
  for (const n of names) out.set(rename(n), serviceLeaves(doc.services[n], ctx));
  const top = new Map();
  for (const key of ["networks", "secrets", "configs"])
    for (const [k, v] of Object.entries(doc[key] ?? {}))
      // file secrets are compared where services mount them
      if (!(key === "secrets" && v?.file))
      top.set(`${key}.${key === "networks" && k !== "default" ? label(k, 63) : k}`, JSON.stringify(v ?? null));
  for (const [k, v] of Object.entries(vols))
    for (const [k2, v2] of Object.entries(v ?? {}))
      if (!["name", "external"].includes(k2) && !(k2 === "driver" && v2 === "local")) top.set(`volumes.${k}.${k2}`, JSON.stringify(v2));
  out.set("(top)", top);
  return out;
}

export function projectName(doc, vars, dir) {
  return (doc.name ?? vars.COMPOSE_PROJECT_NAME ?? path.basename(dir)).toLowerCase().replace(/[^a-z0-9_-]/g, "");
}

// ---- comparing --------------------------------------------------------------------------------

// Why the output has a key the original has not (curation, or a default manifold writes).
const ADDED = [
  ["langfuse-web: healthcheck", "curated: a readiness probe added by hand (upstream has none)"],
  ["", "added by hand in the description"],
];
const addedReason = (a) => ADDED.find(([k]) => a.startsWith(k))[1];

const CHANGED = [["minio: image", "curated: pinned to a MinIO release (upstream: untagged, latest)"]];
const changedReason = (c) => (CHANGED.find(([k]) => c.startsWith(k)) ?? ["", "changed"])[1];

export function reasonOf(leaf) {
  const r = REASONS.find(([k]) => leaf.startsWith(k));
  return r ? r[1] : "not carried";
}

export function compare(orig, gen) {
  let carried = 0, total = 0;
  const missing = [], changed = [], added = [];
  for (const [svc, leaves] of gen)
    for (const [k, v] of leaves) if (!orig.get(svc)?.has(k)) added.push(`${svc}: ${k}: ${v}`);
  for (const [svc, leaves] of orig) {
    const g = gen.get(svc) ?? new Map();
    for (const [k, v] of leaves) {
      total++;
      if (g.has(k) && String(g.get(k)) === String(v)) carried++;
      else if (g.has(k)) changed.push(`${svc}: ${k}: ${v} -> ${g.get(k)}`);
      else missing.push(`${svc}: ${k}${svc === "(top)" ? "" : ""}`);
    }
  }
  return { carried, total, missing, changed, added };
}

// Variables: every reference read as the marker <$NAME> whatever its form and value, so a
// leaf of the original that holds one is kept when the generated Compose file has the same
// leaf with the same markers (the reference itself, not only its value, is carried).
const MARK = new Proxy({}, { get: (_, k) => typeof k === "string" ? `<$${k}>` : undefined, has: () => true });

export function keptVariables(orig, gen) {
  let kept = 0, total = 0;
  const lost = [];
  for (const [svc, leaves] of orig) {
    const g = gen.get(svc) ?? new Map();
    for (const [k, v] of leaves) {
      if (!`${k}${v}`.includes("<$")) continue;
      total++;
      if (g.has(k) && String(g.get(k)) === String(v)) kept++;
      else lost.push(`${svc}: ${k}: ${v}${g.has(k) ? ` -> ${g.get(k)}` : ""}`);
    }
  }
  return { kept, total, lost };
}

// Generated side: the development Compose file with its .env (the import's secrets listing).
export function generatedLeaves(outDir, secretsFile) {
  const dir = path.join(outDir, "compose", "development");
  const vars = readEnv(secretsFile);
  const doc = loadProject(dir, ["compose.yaml"], vars);
  return projectLeaves(doc, dir, vars, doc.name);
}

function setUp(name, spec) {
  // the folder is named after the fixture: Compose names the project (and volumes) after it
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mf-import-")), name);
  fs.mkdirSync(dir);
  const src = path.join(here, name);
  for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  for (const [from, to] of Object.entries(spec.copy ?? {})) fs.copyFileSync(path.join(dir, from), path.join(dir, to));
  for (const [to, text] of Object.entries(spec.write ?? {})) fs.writeFileSync(path.join(dir, to), text);
  return dir;
}

function run(bin, args, cwd) {
  return spawnSync(bin, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
}

// Import, build and compare one project in `dir`; returns the comparison.
export function roundTrip(bin, dir, files, description) {
  let desc = description;
  if (!desc) {
    const args = ["import", files[0], ...files.slice(1).flatMap((f) => ["-f", f]), "-o", "imported.yaml", "--force", "-q"];
    const r = run(bin, args, dir);
    if (r.status !== 0) throw new Error(`import exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
    desc = path.join(dir, "imported.yaml");
  }
  const b = run(bin, ["build", desc, "-o", path.join(dir, "out"), "-q"], path.dirname(desc));
  if (b.status !== 0 && b.status !== 1) throw new Error(`build exited ${b.status}: ${b.stderr.slice(0, 2000)}`);
  const vars = readEnv(path.join(dir, ".env"));
  const doc = loadProject(dir, files, vars);
  const orig = projectLeaves(doc, dir, vars, projectName(doc, vars, dir));
  const secrets = desc.replace(/\.ya?ml$/, ".secrets.env");
  const r = compare(orig, generatedLeaves(path.join(dir, "out"), secrets));
  const marked = loadProject(dir, files, MARK), genDir = path.join(dir, "out", "compose", "development");
  const gen = loadProject(genDir, ["compose.yaml"], MARK);
  r.variables = keptVariables(projectLeaves(marked, dir, MARK, projectName(doc, vars, dir)),
    projectLeaves(gen, genDir, MARK, projectName(gen, {}, genDir)));
  return r;
}

// --example DIR FIXTURE: DIR/system.yaml (curated by hand from the fixture's import) against the
// fixture; every difference is listed with its reason and must be the ones DIR/differences.txt
// records (--update rewrites it).  The secrets' values come from the fixture's own import.
function example(bin, dir, fixture, update) {
  const scratch = setUp(fixture, FIXTURES[fixture]);
  try {
    roundTrip(bin, scratch, FIXTURES[fixture].files); // for imported.secrets.env
    const copy = path.join(scratch, "example.yaml");
    fs.copyFileSync(path.join(dir, "system.yaml"), copy);
    fs.copyFileSync(path.join(scratch, "imported.secrets.env"), path.join(scratch, "example.secrets.env"));
    fs.rmSync(path.join(scratch, "out"), { recursive: true, force: true });
    const r = roundTrip(bin, scratch, FIXTURES[fixture].files, copy);
    const lines = [
      ...r.missing.map((m) => `missing ${m}  -- ${reasonOf(m.replace(/^[^:]*: /, ""))}`),
      ...r.changed.map((c) => `changed ${c}  -- ${changedReason(c)}`),
      ...r.added.map((a) => `added ${a}  -- ${addedReason(a)}`),
    ];
    const text = `# ${path.basename(dir)} against tests/import/${fixture}: carried ${r.carried} / total ${r.total}\n` +
      lines.map((l) => l + "\n").join("");
    const file = path.join(dir, "differences.txt");
    if (update) fs.writeFileSync(file, text);
    const want = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    const ok = want === text;
    if (!ok || process.argv.includes("--verbose")) process.stdout.write(text);
    console.log(`${ok ? "ok" : "FAIL"} example/${path.basename(dir)}: carried ${r.carried} / total ${r.total}` +
      `${ok ? "" : " (the differences are not the ones differences.txt records)"}`);
    return ok;
  } finally {
    fs.rmSync(path.dirname(scratch), { recursive: true, force: true });
  }
}

function main() {
  const argv = process.argv.slice(2);
  const ex = argv.indexOf("--example");
  if (ex >= 0) {
    const ok = example(path.resolve(argv[0]), path.resolve(argv[ex + 1]), argv[ex + 2], argv.includes("--update"));
    console.log(`${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
    process.exit(ok ? 0 : 1);
  }
  const bin = path.resolve(argv.shift() ?? "");
  const update = argv.includes("--update"), verbose = argv.includes("--verbose");
  const names = argv.filter((a) => !a.startsWith("--"));
  const floorsFile = path.join(here, "floors.json");
  const floors = fs.existsSync(floorsFile) ? JSON.parse(fs.readFileSync(floorsFile, "utf8")) : {};
  let pass = 0, fail = 0;
  for (const [name, spec] of Object.entries(FIXTURES)) {
    if (names.length && !names.includes(name)) continue;
    const dir = setUp(name, spec);
    try {
      const r = roundTrip(bin, dir, spec.files);
      const floor = floors[name] ?? 0, vfloor = floors[`${name} variables`] ?? 0;
      const v = r.variables, ok = r.carried >= floor && v.kept >= vfloor;
      console.log(`${ok ? "ok" : "FAIL"} import/${name}: carried ${r.carried} / total ${r.total}, ` +
        `variables kept ${v.kept} / ${v.total}` +
        `${ok ? "" : ` (floors ${floor}, ${vfloor})`}`);
      if (verbose) for (const l of v.lost) console.log(`    variable ${l}`);
      if (verbose) {
        for (const m of r.missing) console.log(`    missing ${m}  -- ${reasonOf(m.startsWith("(top)") ? m : m.replace(/^[^:]*: /, ""))}`);
        for (const c of r.changed) console.log(`    changed ${c}`);
      }
      if (update) {
        floors[name] = r.carried;
        if (v.total) floors[`${name} variables`] = v.kept;
      }
      ok ? pass++ : fail++;
    } catch (e) {
      console.log(`FAIL import/${name}: ${e.message}`);
      fail++;
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  }
  if (update) fs.writeFileSync(floorsFile, JSON.stringify(floors, null, 2) + "\n");
  console.log(`${pass} passed, ${fail} failed`);
  process.exit(fail ? 1 : 0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
