// helm-compare [--without KIND/NAME]... [--release NAME] A.yaml B.yaml
//
// The same Kubernetes objects in both streams, identified by (apiVersion, kind,
// namespace, name), with the same content.  Of Helm's release bookkeeping only
// what the chart adds on purpose is ignored, in every `labels` map:
// `helm.sh/chart` in B, and `app.kubernetes.io/managed-by` when it names each
// side's manager (`manifold` in A, the Kustomize build; `Helm` in B).
// Everything else counts, app.kubernetes.io/instance and /version included
// (judge-same ignores those; this test is the stricter one).  Map order never
// matters, list order always does; numbers compare by value, never equal to
// strings ("1" != 1).
//
//   --without KIND/NAME  leave that object of A out (a Namespace Helm creates
//                        with --create-namespace instead of the chart)
//   --release NAME       B was rendered with global.releasePrefix and release
//                        NAME: every namespaced object of B must be named
//                        NAME-..., and B with every "NAME-" taken off the front
//                        of a string must equal A (a Helm render too)
//
// Prints `ok ID` or `FAIL ID: why` per object, then `N passed, M failed`;
// exit 1 when anything failed, 2 on usage errors.
import fs from "node:fs";
import { parseAllDocuments } from "yaml";

function usage() {
  console.error("usage: helm-compare [--without KIND/NAME]... [--release NAME] A.yaml B.yaml");
  process.exit(2);
}

const args = process.argv.slice(2);
const without = new Set();
let release = null;
const files = [];
while (args.length) {
  const a = args.shift();
  if (a === "--without" && args.length) without.add(args.shift());
  else if (a === "--release" && args.length) release = args.shift();
  else if (a.startsWith("--")) usage();
  else files.push(a);
}
if (files.length !== 2) usage();

function dropBookkeeping(v, key, isB) {
  if (Array.isArray(v)) return v.map((x) => dropBookkeeping(x, "", isB));
  if (!v || typeof v !== "object") return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    const helm = isB || release;
    if (key === "labels" && helm && k === "helm.sh/chart") continue;
    if (key === "labels" && k === "app.kubernetes.io/managed-by" && x === (helm ? "Helm" : "manifold")) continue;
    out[k] = dropBookkeeping(x, k, isB);
  }
  return out;
}

function unprefix(v, prefix) {
  if (Array.isArray(v)) return v.map((x) => unprefix(x, prefix));
  if (typeof v === "string") return v.startsWith(prefix) ? v.slice(prefix.length) : v;
  if (!v || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unprefix(x, prefix)]));
}

const problems = [];
function load(file, isB) {
  const map = new Map();
  for (const d of parseAllDocuments(fs.readFileSync(file, "utf8"))) {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
    let o = d.toJS();
    if (o == null) continue;
    if (typeof o !== "object" || Array.isArray(o)) throw new Error(`${file}: a document is not a mapping`);
    const m = o.metadata ?? {};
    if (!isB && without.has(`${o.kind}/${m.name}`)) continue;
    if (isB && release) {
      if (m.namespace && !String(m.name).startsWith(`${release}-`))
        problems.push(`FAIL ${o.kind} ${m.namespace}/${m.name}: not prefixed with the release name '${release}-'`);
      o = unprefix(o, `${release}-`);
    }
    const id = `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ? o.metadata.namespace + "/" : ""}${o.metadata?.name}`;
    if (map.has(id)) problems.push(`FAIL ${id}: twice in ${file}`);
    map.set(id, dropBookkeeping(o, "", isB));
  }
  return map;
}

function firstDiff(a, b, at) {
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return at || ".";
    for (let i = 0; i < a.length; i++) {
      const d = firstDiff(a[i], b[i], `${at}[${i}]`);
      if (d) return d;
    }
    return "";
  }
  if (a && typeof a === "object") {
    if (!b || typeof b !== "object" || Array.isArray(b)) return at || ".";
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (!(k in a) || !(k in b)) return `${at}.${k}`;
      const d = firstDiff(a[k], b[k], `${at}.${k}`);
      if (d) return d;
    }
    return "";
  }
  return a === b ? "" : at || ".";
}

let A, B;
try {
  A = load(files[0], false);
  B = load(files[1], true);
} catch (e) {
  console.log(`FAIL ${e.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
let passed = 0;
const lines = [...problems];
for (const id of [...new Set([...A.keys(), ...B.keys()])].sort()) {
  if (!B.has(id)) lines.push(`FAIL ${id}: only in ${files[0]}`);
  else if (!A.has(id)) lines.push(`FAIL ${id}: only in ${files[1]}`);
  else {
    const d = firstDiff(A.get(id), B.get(id), "");
    if (d) lines.push(`FAIL ${id}: differs at ${d.replace(/^\./, "")}`);
    else { lines.push(`ok ${id}`); passed++; }
  }
}
const failed = lines.filter((l) => l.startsWith("FAIL")).length;
for (const l of lines) console.log(l);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
