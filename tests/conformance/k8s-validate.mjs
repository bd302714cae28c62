#!/usr/bin/env node
// k8s-validate: checks Kubernetes objects the way a Kubernetes 1.30 API server (and the controllers
// behind it) would, without a cluster.
//
//   node k8s-validate.mjs [--label NAME] [--no-xref] [--allow-unknown-kinds] FILE_OR_DIR... | -
//
// For every object of every YAML document (directories: every *.yaml / *.yml inside, recursively;
// "-" reads stdin) it checks:
//   1. the API schema, from kubernetes-models (Kubernetes OpenAPI) and
//      @kubernetes-models/prometheus-operator (ServiceMonitor & co.); Velero Schedule / Backup and
//      OpenShift Route, ExternalSecret (external-secrets.io/v1) and SealedSecret
//      (bitnami.com/v1alpha1) against the JSON schemas in schemas/ (ajv);
//   2. unknown fields are errors (like `kubectl apply --validate=strict`): the generated validators
//      are run on a recording proxy of the object, and every field that the schema never looked at
//      is a field the schema does not declare;
//   3. that Kubernetes 1.30 serves the apiVersion/kind and knows the fields (the schemas are from a
//      newer release: see NOT_SERVED and NEWER_FIELDS);
//   4. rules the API server enforces in code rather than in the schema (names, labels, selectors,
//      ports, probes, cron, quantities, ...);
//   5. unless --no-xref, references between the objects given in one run (which is treated as one
//      stream): Service selectors and named targetPorts, HPA scaleTargetRef, PDB selectors,
//      Ingress/Route backends, StatefulSet serviceName, ServiceMonitor ports.
//
// Output: one line per problem, "FILE: Kind/namespace/name: message" ("-" for no namespace), then
// "N passed, M failed" (objects). Exit status 1 if any object failed, 2 on usage errors.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { ObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TARGET = "Kubernetes 1.30";

// ---------------------------------------------------------------- arguments
const args = process.argv.slice(2);
const opts = { label: "-", xref: true, allowUnknownKinds: false, inputs: [] };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--label") opts.label = args[++i];
  else if (a.startsWith("--label=")) opts.label = a.slice(8);
  else if (a === "--no-xref") opts.xref = false;
  else if (a === "--allow-unknown-kinds") opts.allowUnknownKinds = true;
  else if (a === "-h" || a === "--help") usage(0);
  else if (a.startsWith("--")) { process.stderr.write(`k8s-validate: unknown option ${a}\n`); usage(2); }
  else opts.inputs.push(a);
}
if (opts.inputs.length === 0) usage(2);
function usage(code) {
  process.stderr.write("usage: k8s-validate.mjs [--label NAME] [--no-xref] [--allow-unknown-kinds] FILE_OR_DIR... | -\n");
  process.exit(code);
}

// ---------------------------------------------------------------- input
function expand(inputs) {
  const files = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) { if (e.name !== "node_modules" && !e.name.startsWith(".")) walk(p); }
      else if (/\.ya?ml$/i.test(e.name)) files.push(p);
    }
  };
  for (const inp of inputs) {
    if (inp === "-") { files.push("-"); continue; }
    let st = null;
    try { st = fs.statSync(inp); } catch { /* reported below */ }
    if (st && st.isDirectory()) walk(inp); else files.push(inp);
  }
  return files;
}

// The API server reads YAML through sigs.k8s.io/yaml (go-yaml v2: YAML 1.1 scalars such as yes/no/on/off
// are booleans, 0755 is octal). Timestamps are left as strings, as the API server sees them.
const YAML_OPTIONS = {
  version: "1.1",
  merge: true,
  uniqueKeys: true,
  customTags: (tags) => tags.filter((t) => t.tag !== "tag:yaml.org,2002:timestamp"),
};

function parseStream(text) {
  const out = [];
  YAML.parseAllDocuments(text, YAML_OPTIONS).forEach((doc, index) => {
    if (doc.errors.length) {
      const e = doc.errors[0];
      const msg = String(e.message).split("\n")[0].replace(/:\s*$/, "");
      const where = e.linePos && !/ at line \d+/.test(msg) ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "";
      out.push({ index, error: `YAML: ${msg}${where}` });
      return;
    }
    let value;
    try { value = doc.toJS({ maxAliasCount: 1000 }); } catch (e) { out.push({ index, error: `YAML: ${e.message}` }); return; }
    if (value !== null && value !== undefined) out.push({ index, value });
  });
  return out;
}

// ---------------------------------------------------------------- schema lookup
const MODEL_PACKAGES = ["kubernetes-models", "@kubernetes-models/prometheus-operator"];
const modelCache = new Map();
async function findModel(apiVersion, kind) {
  if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return null;
  const key = `${apiVersion}|${kind}`;
  if (modelCache.has(key)) return modelCache.get(key);
  let found = null;
  for (const pkg of MODEL_PACKAGES) {
    let mod;
    try { mod = await import(`${pkg}/${apiVersion}/${kind}`); } catch { continue; }
    const cls = mod[kind];
    // only top-level types carry apiVersion/kind; nested types (Container, PodSpec) do not
    if (cls && cls.apiVersion === apiVersion && cls.kind === kind) { found = cls; break; }
  }
  modelCache.set(key, found);
  return found;
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
addFormats(ajv);
function loadSchema(file) {
  return ajv.compile(JSON.parse(fs.readFileSync(path.join(HERE, "schemas", file), "utf8")));
}
const LOCAL_SCHEMAS = {
  "velero.io/v1|Schedule": loadSchema("velero-schedule.schema.json"),
  "velero.io/v1|Backup": loadSchema("velero-backup.schema.json"), // after Schedule: it refers to its backupSpec
  "route.openshift.io/v1|Route": loadSchema("openshift-route.schema.json"),
  "gateway.networking.k8s.io/v1|HTTPRoute": loadSchema("gateway-httproute.schema.json"),
  "external-secrets.io/v1|ExternalSecret": loadSchema("external-secret.schema.json"),
  "bitnami.com/v1alpha1|SealedSecret": loadSchema("sealed-secret.schema.json"),
};

// Group/versions and kinds that the schemas above know but that Kubernetes 1.30 does not serve.
const NOT_SERVED = {
  "extensions/v1beta1": "removed in 1.16 (workloads, NetworkPolicy) and 1.22 (Ingress)",
  "apps/v1beta1": "removed in 1.16: use apps/v1",
  "apps/v1beta2": "removed in 1.16: use apps/v1",
  "networking.k8s.io/v1beta1": "removed in 1.22: use networking.k8s.io/v1",
  "apiextensions.k8s.io/v1beta1": "removed in 1.22: use apiextensions.k8s.io/v1",
  "apiregistration.k8s.io/v1beta1": "removed in 1.22: use apiregistration.k8s.io/v1",
  "authentication.k8s.io/v1beta1": "removed in 1.22: use authentication.k8s.io/v1",
  "authorization.k8s.io/v1beta1": "removed in 1.22: use authorization.k8s.io/v1",
  "certificates.k8s.io/v1beta1": "removed in 1.22: use certificates.k8s.io/v1",
  "coordination.k8s.io/v1beta1": "removed in 1.22: use coordination.k8s.io/v1",
  "rbac.authorization.k8s.io/v1beta1": "removed in 1.22: use rbac.authorization.k8s.io/v1",
  "scheduling.k8s.io/v1beta1": "removed in 1.22: use scheduling.k8s.io/v1",
  "storage.k8s.io/v1beta1": "removed in 1.22 (CSIStorageCapacity in 1.27): use storage.k8s.io/v1",
  "batch/v1beta1": "removed in 1.25: use batch/v1",
  "discovery.k8s.io/v1beta1": "removed in 1.25: use discovery.k8s.io/v1",
  "events.k8s.io/v1beta1": "removed in 1.25: use events.k8s.io/v1",
  "autoscaling/v2beta1": "removed in 1.25: use autoscaling/v2",
  "autoscaling/v2beta2": "removed in 1.26: use autoscaling/v2",
  "policy/v1beta1": "removed in 1.25: use policy/v1",
  "node.k8s.io/v1beta1": "removed in 1.25: use node.k8s.io/v1",
  "flowcontrol.apiserver.k8s.io/v1beta1": "removed in 1.26",
  "flowcontrol.apiserver.k8s.io/v1beta2": "removed in 1.29",
  "admissionregistration.k8s.io/v1beta1|MutatingWebhookConfiguration": "removed in 1.22: use admissionregistration.k8s.io/v1",
  "admissionregistration.k8s.io/v1beta1|ValidatingWebhookConfiguration": "removed in 1.22: use admissionregistration.k8s.io/v1",
  "networking.k8s.io/v1|ServiceCIDR": "GA only in 1.33",
  "networking.k8s.io/v1|IPAddress": "GA only in 1.33",
};

// Fields in the (newer) schemas that a 1.30 API server does not know: it would reject them as unknown.
// [where (function of the pod spec / container), field, first release]
const NEWER_POD_FIELDS = [["spec", "resources", "1.32"]];
const NEWER_POD_SECURITY_FIELDS = [["supplementalGroupsPolicy", "1.31"], ["seLinuxChangePolicy", "1.32"]];
const NEWER_VOLUME_FIELDS = [["image", "1.31"]];
const NEWER_LIFECYCLE_FIELDS = [["stopSignal", "1.33"]];

// Cluster-scoped kinds (a namespace on them is a mistake).
const CLUSTER_SCOPED = new Set(["Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass",
  "CustomResourceDefinition", "PriorityClass", "IngressClass", "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment",
  "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
  "APIService", "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration", "ComponentStatus"]);

// ---------------------------------------------------------------- strict (unknown-field) checking
// Wraps a value in proxies that record which properties the validator reads. A generated validator
// reads every property its schema declares (to test presence), and enumerates the keys of maps
// (additionalProperties). So: an object whose validator read some properties but did not enumerate it
// has a fixed field set, and its keys that were never read are unknown fields. Objects the validator
// never looked into (free-form, preserve-unknown-fields) are left alone.
function recording(value, where, log) {
  if (Array.isArray(value)) return value.map((v, i) => recording(v, `${where}[${i}]`, log));
  if (value === null || typeof value !== "object") return value;
  const rec = { where, keys: Object.keys(value), read: new Set(), enumerated: false };
  log.push(rec);
  const copy = {};
  for (const k of rec.keys) copy[k] = recording(value[k], where ? `${where}.${k}` : k, log);
  return new Proxy(copy, {
    get(t, k, r) { if (typeof k === "string") rec.read.add(k); return Reflect.get(t, k, r); },
    has(t, k) { if (typeof k === "string") rec.read.add(k); return Reflect.has(t, k); },
    ownKeys(t) { rec.enumerated = true; return Reflect.ownKeys(t); },
  });
}
function unknownFieldsOf(log, prefix = "") {
  const out = [];
  for (const r of log) {
    if (r.enumerated || r.read.size === 0) continue;
    for (const k of r.keys) if (!r.read.has(k)) out.push(prefix + (r.where ? `${r.where}.${k}` : k));
  }
  return out;
}
function runModel(cls, value, prefix = "") {
  const log = [];
  const errs = [];
  try { cls.prototype.validate.call(recording(value, "", log)); }
  catch (e) { if (e && Array.isArray(e.errors)) errs.push(...ajvMessages(e.errors, prefix)); else errs.push(`schema: ${e && e.message}`); }
  for (const f of unknownFieldsOf(log, prefix ? `${prefix}.` : "")) errs.push(`unknown field "${f}"`);
  return errs;
}
// JSON pointer ("/spec/containers/0/name") -> "spec.containers[0].name", map keys with dots or slashes
// in brackets: metadata.annotations["example.com/x"].
function pointerToPath(pointer, prefix = "") {
  let out = prefix.replace(/\.$/, "");
  for (const raw of (pointer || "").split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
function ajvMessages(errors, prefix = "") {
  // Where a oneOf/anyOf failed, its branches' errors at the same place are noise: one message will do.
  const unions = new Set(errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf").map((e) => e.instancePath));
  const seen = new Set();
  const out = [];
  for (const e of errors) {
    const at = pointerToPath(e.instancePath, prefix);
    let msg;
    if (unions.has(e.instancePath) && e.keyword !== "oneOf" && e.keyword !== "anyOf") continue;
    if (e.keyword === "oneOf" || e.keyword === "anyOf") msg = `${at || "(root)"}: is not any of the allowed forms`;
    else if (e.keyword === "additionalProperties") msg = `unknown field "${at ? at + "." : ""}${e.params.additionalProperty}"`;
    else if (e.keyword === "required") msg = `${at || "(root)"}: missing required field "${e.params.missingProperty}"`;
    else if (e.keyword === "enum") msg = `${at || "(root)"}: must be one of ${e.params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    else if (e.keyword === "const") msg = `${at || "(root)"}: must be ${JSON.stringify(e.params.allowedValue)}`;
    else if (e.keyword === "pattern" && e.parentSchema && e.parentSchema.description) msg = `${at || "(root)"}: ${JSON.stringify(e.data)} is not valid (${e.parentSchema.description})`;
    else msg = `${at || "(root)"}: ${e.message}`;
    if (!seen.has(msg)) { seen.add(msg); out.push(`schema: ${msg}`); }
  }
  return out;
}

// ---------------------------------------------------------------- API-server rules
const RE = {
  dns1123Label: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
  dns1123Subdomain: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  dns1035Label: /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
  qualifiedName: /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/,
  labelValue: /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/,
  ianaSvcName: /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
  configKey: /^[-._a-zA-Z0-9]+$/,
  quantity: /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/,
  percent: /^\d+%$/,
  base64: /^[A-Za-z0-9+/]*={0,2}$/,
  goDuration: /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/,
};
const isDns1123Label = (s) => typeof s === "string" && s.length <= 63 && RE.dns1123Label.test(s);
const isDns1123Subdomain = (s) => typeof s === "string" && s.length <= 253 && RE.dns1123Subdomain.test(s);
const isDns1035Label = (s) => typeof s === "string" && s.length <= 63 && RE.dns1035Label.test(s);
const isIanaSvcName = (s) => typeof s === "string" && s.length <= 15 && RE.ianaSvcName.test(s) && /[a-z]/.test(s) && !s.includes("--");
const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const arr = (v) => (Array.isArray(v) ? v : []);
const obj = (v) => (isObj(v) ? v : {});

function qualifiedKeyProblem(key) {
  const parts = key.split("/");
  if (parts.length > 2) return "may contain at most one '/'";
  const name = parts.length === 2 ? parts[1] : parts[0];
  if (parts.length === 2 && !isDns1123Subdomain(parts[0])) return "prefix must be a DNS-1123 subdomain";
  if (!name || name.length > 63 || !RE.qualifiedName.test(name)) return "name part must be 1-63 characters of [A-Za-z0-9-_.], beginning and ending with an alphanumeric";
  return null;
}
function checkLabels(map, where, errs) {
  for (const [k, v] of Object.entries(obj(map))) {
    const p = qualifiedKeyProblem(k);
    if (p) errs.push(`${where}: key "${k}" ${p}`);
    if (typeof v !== "string") errs.push(`${where}["${k}"]: value must be a string`);
    else if (v.length > 63 || !RE.labelValue.test(v)) errs.push(`${where}["${k}"]: "${v}" is not a valid label value (at most 63 characters of [A-Za-z0-9-_.], beginning and ending with an alphanumeric)`);
  }
}
function checkSelector(sel, where, errs) {
  if (!isObj(sel)) return;
  checkLabels(sel.matchLabels, `${where}.matchLabels`, errs);
  arr(sel.matchExpressions).forEach((e, i) => {
    if (!isObj(e)) return;
    if (typeof e.key === "string") { const p = qualifiedKeyProblem(e.key); if (p) errs.push(`${where}.matchExpressions[${i}].key "${e.key}" ${p}`); }
    const n = arr(e.values).length;
    if ((e.operator === "In" || e.operator === "NotIn") && n === 0) errs.push(`${where}.matchExpressions[${i}]: operator ${e.operator} needs values`);
    if ((e.operator === "Exists" || e.operator === "DoesNotExist") && n > 0) errs.push(`${where}.matchExpressions[${i}]: operator ${e.operator} takes no values`);
  });
}
const selectorIsEmpty = (sel) => !isObj(sel) || (Object.keys(obj(sel.matchLabels)).length === 0 && arr(sel.matchExpressions).length === 0);
function selectorMatches(sel, labels) {
  labels = obj(labels);
  if (!isObj(sel)) return false;
  for (const [k, v] of Object.entries(obj(sel.matchLabels))) if (labels[k] !== v) return false;
  for (const e of arr(sel.matchExpressions)) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === "In" && !(has && arr(e.values).includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && arr(e.values).includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}
// A Service's spec.selector is a plain map.
const mapSelectorMatches = (sel, labels) => Object.entries(obj(sel)).every(([k, v]) => obj(labels)[k] === v);

function checkName(kind, name, errs) {
  if (typeof name !== "string" || name === "") { errs.push("metadata.name is required (kubectl apply cannot use generateName)"); return; }
  if (kind === "Namespace") { if (!isDns1123Label(name)) errs.push(`metadata.name "${name}" must be a DNS-1123 label (lowercase alphanumerics and '-', at most 63)`); return; }
  if (kind === "Service") { if (!isDns1035Label(name)) errs.push(`metadata.name "${name}" must be a DNS-1035 label (lowercase, starting with a letter, at most 63)`); return; }
  if (/^(Role|ClusterRole|RoleBinding|ClusterRoleBinding)$/.test(kind)) {
    if (name === "." || name === ".." || /[/%]/.test(name)) errs.push(`metadata.name "${name}" may not be '.', '..' or contain '/' or '%'`);
    return;
  }
  if (!isDns1123Subdomain(name)) errs.push(`metadata.name "${name}" must be a DNS-1123 subdomain (lowercase alphanumerics, '-' and '.', at most 253)`);
  if (kind === "CronJob" && name.length > 52) errs.push(`metadata.name "${name}" must be at most 52 characters for a CronJob (the Job names get a suffix)`);
}
function checkMeta(o, errs) {
  const m = obj(o.metadata);
  checkName(o.kind, m.name, errs);
  if (m.namespace !== undefined) {
    if (CLUSTER_SCOPED.has(o.kind)) errs.push(`metadata.namespace is set on cluster-scoped kind ${o.kind}`);
    else if (!isDns1123Label(m.namespace)) errs.push(`metadata.namespace "${m.namespace}" must be a DNS-1123 label`);
  }
  checkLabels(m.labels, "metadata.labels", errs);
  let size = 0;
  for (const [k, v] of Object.entries(obj(m.annotations))) {
    const p = qualifiedKeyProblem(k);
    if (p) errs.push(`metadata.annotations: key "${k}" ${p}`);
    size += k.length + String(v).length;
  }
  if (size > 256 * 1024) errs.push("metadata.annotations: total size must be at most 256 KiB");
}

// --- quantities
const BIN = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DEC = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
function quantityValue(q) {
  if (typeof q === "number") return q;
  if (typeof q !== "string" || !RE.quantity.test(q)) return null;
  const m = q.match(/^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(.*)$/);
  const n = parseFloat(m[1]), s = m[2];
  if (s in BIN) return n * BIN[s];
  if (s in DEC) return n * DEC[s];
  return n * Math.pow(10, parseInt(s.slice(1), 10));
}
function checkQuantity(v, where, errs) {
  if (v === undefined || v === null) return;
  if (quantityValue(v) === null) errs.push(`${where}: "${v}" is not a valid quantity (e.g. 500m, 1, 128Mi, 1Gi)`);
  else if (quantityValue(v) < 0) errs.push(`${where}: must not be negative`);
}
const STANDARD_RESOURCES = /^(cpu|memory|ephemeral-storage|hugepages-[0-9]+[A-Za-z]*)$/;
function checkResources(res, where, errs) {
  if (!isObj(res)) return;
  for (const part of ["requests", "limits"]) {
    for (const [r, v] of Object.entries(obj(res[part]))) {
      if (!STANDARD_RESOURCES.test(r) && !(r.includes("/") && !qualifiedKeyProblem(r))) errs.push(`${where}.${part}: "${r}" is neither a standard resource (cpu, memory, ephemeral-storage, hugepages-*) nor a domain-qualified extended resource`);
      checkQuantity(v, `${where}.${part}.${r}`, errs);
    }
  }
  for (const [r, v] of Object.entries(obj(res.requests))) {
    const lim = obj(res.limits)[r];
    if (lim === undefined) continue;
    const a = quantityValue(v), b = quantityValue(lim);
    if (a !== null && b !== null && a > b) errs.push(`${where}.requests.${r}: ${v} must be less than or equal to the limit ${lim}`);
  }
}

// --- cron (robfig/cron "standard" parser, which both the CronJob controller and Velero use)
const CRON_FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31, q: true },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day of week", min: 0, max: 6, q: true, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];
function cronProblem(expr, { allowTimeZone }) {
  if (typeof expr !== "string" || expr.trim() === "") return "must be a non-empty cron expression";
  let e = expr.trim();
  const tz = e.match(/^(CRON_TZ|TZ)=\S+\s+/);
  if (tz) {
    if (!allowTimeZone) return `a time zone in the schedule ("${tz[0].trim()}") is rejected since Kubernetes 1.29: use spec.timeZone`;
    e = e.slice(tz[0].length);
  }
  if (e.startsWith("@")) {
    if (/^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(e)) return null;
    const ev = e.match(/^@every\s+(\S+)$/);
    if (ev && RE.goDuration.test(ev[1])) return null;
    return `"${e}" is not a known descriptor (@yearly, @monthly, @weekly, @daily, @hourly, @every <duration>)`;
  }
  const fields = e.split(/\s+/);
  if (fields.length !== 5) return `must have 5 fields (minute hour day-of-month month day-of-week), has ${fields.length}`;
  for (let i = 0; i < 5; i++) {
    const f = CRON_FIELDS[i];
    const val = (s) => {
      if (/^\d+$/.test(s)) return +s;
      const n = f.names ? f.names.indexOf(s.toLowerCase()) : -1;
      return n < 0 ? null : n + f.min;
    };
    for (const part of fields[i].split(",")) {
      const m = part.match(/^(\*|\?|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/(\d+))?$/);
      if (!m) return `${f.name} field "${fields[i]}" is malformed`;
      if (m[1] === "?" && !f.q) return `"?" is not allowed in the ${f.name} field`;
      if (m[2] !== undefined && +m[2] === 0) return `${f.name} field "${fields[i]}": step must be positive`;
      if (m[1] === "*" || m[1] === "?") continue;
      const [lo, hi] = m[1].split("-").map(val);
      if (lo === null || hi === null) return `${f.name} field "${fields[i]}" has an unknown value`;
      for (const v of [lo, hi]) if (v !== undefined && (v < f.min || v > f.max)) return `${f.name} value ${v} is out of range ${f.min}-${f.max}`;
      if (hi !== undefined && hi < lo) return `${f.name} range "${m[1]}" is backwards`;
    }
  }
  return null;
}

// --- pod templates
function podSpecsOf(o) {
  const s = obj(o.spec);
  switch (o.kind) {
    case "Pod": return [{ where: "spec", spec: s, labels: obj(o.metadata).labels }];
    case "PodTemplate": return [{ where: "template.spec", spec: obj(obj(o.template).spec), labels: obj(obj(o.template).metadata).labels }];
    case "Deployment": case "ReplicaSet": case "StatefulSet": case "DaemonSet": case "Job": case "ReplicationController":
      return [{ where: "spec.template.spec", spec: obj(obj(s.template).spec), labels: obj(obj(s.template).metadata).labels }];
    case "CronJob": {
      const t = obj(obj(obj(s.jobTemplate).spec).template);
      return [{ where: "spec.jobTemplate.spec.template.spec", spec: obj(t.spec), labels: obj(t.metadata).labels }];
    }
    default: return [];
  }
}
const allContainers = (spec) => [...arr(spec.initContainers).map((c, i) => ["initContainers", i, c]), ...arr(spec.containers).map((c, i) => ["containers", i, c])];

function checkProbe(p, which, w, c, errs) {
  if (!isObj(p)) return;
  const handlers = ["exec", "httpGet", "tcpSocket", "grpc"].filter((h) => p[h] !== undefined && p[h] !== null);
  if (handlers.length !== 1) errs.push(`${w}.${which}: must have exactly one handler (exec, httpGet, tcpSocket or grpc), has ${handlers.length}`);
  if ((which === "livenessProbe" || which === "startupProbe") && p.successThreshold !== undefined && p.successThreshold !== 1) errs.push(`${w}.${which}.successThreshold must be 1`);
  for (const h of ["httpGet", "tcpSocket"]) {
    const port = obj(p[h]).port;
    if (typeof port === "string" && !/^\d+$/.test(port)) {
      if (!isIanaSvcName(port)) errs.push(`${w}.${which}.${h}.port "${port}" must be a number or an IANA service name`);
      else if (!arr(c.ports).some((cp) => obj(cp).name === port)) errs.push(`${w}.${which}.${h}.port "${port}" is not the name of a port of this container`);
    } else if (typeof port === "number" && (port < 1 || port > 65535)) errs.push(`${w}.${which}.${h}.port ${port} is out of range 1-65535`);
  }
}

function checkPodSpec(o, { where, spec }, errs, claimTemplates = []) {
  const volumes = new Set();
  arr(spec.volumes).forEach((v, i) => {
    if (!isObj(v)) return;
    if (!isDns1123Label(v.name)) errs.push(`${where}.volumes[${i}].name "${v.name}" must be a DNS-1123 label`);
    if (volumes.has(v.name)) errs.push(`${where}.volumes[${i}].name "${v.name}" is a duplicate`);
    volumes.add(v.name);
    const sources = Object.keys(v).filter((k) => k !== "name");
    if (sources.length !== 1) errs.push(`${where}.volumes[${i}] ("${v.name}"): must have exactly one volume source, has ${sources.length}`);
    for (const [f, since] of NEWER_VOLUME_FIELDS) if (v[f] !== undefined) errs.push(`${where}.volumes[${i}].${f}: not known to ${TARGET} (added in ${since})`);
  });
  if (arr(spec.containers).length === 0) errs.push(`${where}.containers: at least one container is required`);
  const names = new Set();
  for (const [list, i, c] of allContainers(spec)) {
    if (!isObj(c)) continue;
    const w = `${where}.${list}[${i}]`;
    if (!isDns1123Label(c.name)) errs.push(`${w}.name "${c.name}" must be a DNS-1123 label`);
    else if (names.has(c.name)) errs.push(`${w}.name "${c.name}" is a duplicate`);
    names.add(c.name);
    if (typeof c.image !== "string" || c.image.trim() === "") errs.push(`${w}.image is required`);
    const portNames = new Set();
    arr(c.ports).forEach((p, j) => {
      if (!isObj(p)) return;
      if (typeof p.containerPort === "number" && (p.containerPort < 1 || p.containerPort > 65535)) errs.push(`${w}.ports[${j}].containerPort ${p.containerPort} is out of range 1-65535`);
      if (typeof p.hostPort === "number" && (p.hostPort < 0 || p.hostPort > 65535)) errs.push(`${w}.ports[${j}].hostPort ${p.hostPort} is out of range`);
      if (p.name !== undefined) {
        if (!isIanaSvcName(p.name)) errs.push(`${w}.ports[${j}].name "${p.name}" must be an IANA service name (at most 15 lowercase alphanumerics or '-', with a letter)`);
        if (portNames.has(p.name)) errs.push(`${w}.ports[${j}].name "${p.name}" is a duplicate`);
        portNames.add(p.name);
      }
    });
    arr(c.env).forEach((e, j) => {
      if (!isObj(e)) return;
      if (typeof e.name !== "string" || e.name === "") errs.push(`${w}.env[${j}].name is required`);
      else if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(e.name)) errs.push(`${w}.env[${j}].name "${e.name}" must consist of letters, digits, '_', '-' or '.', not starting with a digit`);
      if (e.value !== undefined && e.valueFrom !== undefined) errs.push(`${w}.env[${j}] ("${e.name}"): may not have both value and valueFrom`);
      if (isObj(e.valueFrom) && Object.keys(e.valueFrom).length !== 1) errs.push(`${w}.env[${j}].valueFrom ("${e.name}"): must have exactly one source`);
    });
    arr(c.envFrom).forEach((e, j) => {
      if (isObj(e) && (e.configMapRef ? 1 : 0) + (e.secretRef ? 1 : 0) !== 1) errs.push(`${w}.envFrom[${j}]: must have exactly one of configMapRef, secretRef`);
    });
    const mountPaths = new Set();
    arr(c.volumeMounts).forEach((m, j) => {
      if (!isObj(m)) return;
      if (!volumes.has(m.name) && !claimTemplates.includes(m.name)) errs.push(`${w}.volumeMounts[${j}]: volume "${m.name}" is not defined in ${where}.volumes${claimTemplates.length ? " or spec.volumeClaimTemplates" : ""}`);
      if (mountPaths.has(m.mountPath)) errs.push(`${w}.volumeMounts[${j}].mountPath "${m.mountPath}" is used twice`);
      mountPaths.add(m.mountPath);
    });
    for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) checkProbe(c[probe], probe, w, c, errs);
    if (list === "initContainers" && c.restartPolicy === undefined) {
      for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) if (c[probe]) errs.push(`${w}.${probe}: init containers may not have probes (unless restartPolicy: Always)`);
    }
    checkResources(c.resources, `${w}.resources`, errs);
    for (const [f, since] of NEWER_LIFECYCLE_FIELDS) if (obj(c.lifecycle)[f] !== undefined) errs.push(`${w}.lifecycle.${f}: not known to ${TARGET} (added in ${since})`);
    arr(obj(c.resources).claims).forEach((cl, j) => { if (obj(cl).request !== undefined) errs.push(`${w}.resources.claims[${j}].request: not known to ${TARGET} (added in 1.31)`); });
  }
  for (const [, f, since] of NEWER_POD_FIELDS) if (spec[f] !== undefined) errs.push(`${where}.${f}: not known to ${TARGET} (added in ${since})`);
  for (const [f, since] of NEWER_POD_SECURITY_FIELDS) if (obj(spec.securityContext)[f] !== undefined) errs.push(`${where}.securityContext.${f}: not known to ${TARGET} (added in ${since})`);
  const allowed = o.kind === "Pod" || o.kind === "PodTemplate" ? null : o.kind === "Job" || o.kind === "CronJob" ? ["OnFailure", "Never"] : ["Always"];
  if (allowed && spec.restartPolicy !== undefined && !allowed.includes(spec.restartPolicy)) errs.push(`${where}.restartPolicy "${spec.restartPolicy}" is not allowed for a ${o.kind} (allowed: ${allowed.join(", ")})`);
  if ((o.kind === "Job" || o.kind === "CronJob") && spec.restartPolicy === undefined) errs.push(`${where}.restartPolicy is required for a ${o.kind} ("OnFailure" or "Never")`);
}

function checkPvcSpec(spec, where, errs) {
  if (!isObj(spec)) return;
  if (arr(spec.accessModes).length === 0 && !spec.dataSource && !spec.dataSourceRef) errs.push(`${where}.accessModes: at least one access mode is required`);
  const req = obj(obj(spec.resources).requests);
  if (req.storage === undefined) errs.push(`${where}.resources.requests.storage is required`);
  for (const part of ["requests", "limits"]) {
    for (const [r, v] of Object.entries(obj(obj(spec.resources)[part]))) {
      if (r !== "storage") errs.push(`${where}.resources.${part}: only "storage" is supported, not "${r}"`);
      checkQuantity(v, `${where}.resources.${part}.${r}`, errs);
    }
  }
}

function intOrPercentProblem(v) {
  if (typeof v === "number") return v < 0 ? "must not be negative" : null;
  if (typeof v === "string") return RE.percent.test(v) ? null : `"${v}" must be an integer or a percentage like "50%"`;
  return null;
}

function checkHost(h, where, errs, { wildcard = true } = {}) {
  if (typeof h !== "string") return;
  const name = wildcard && h.startsWith("*.") ? h.slice(2) : h;
  if (!isDns1123Subdomain(name) || name.split(".").some((l) => l.length > 63)) errs.push(`${where} "${h}" must be a DNS name (lowercase labels of at most 63 characters)${wildcard ? ", optionally starting with \"*.\"" : ""}`);
}

function semanticChecks(o) {
  const errs = [];
  const s = obj(o.spec);
  checkMeta(o, errs);
  for (const ps of podSpecsOf(o)) {
    const claims = o.kind === "StatefulSet" ? arr(s.volumeClaimTemplates).map((t) => obj(obj(t).metadata).name).filter(Boolean) : [];
    checkPodSpec(o, ps, errs, claims);
    if (o.kind !== "Pod") checkLabels(ps.labels, ps.where.replace(/\.spec$/, ".metadata.labels"), errs);
  }
  switch (o.kind) {
    case "Deployment": case "ReplicaSet": case "StatefulSet": case "DaemonSet": {
      if (selectorIsEmpty(s.selector)) errs.push("spec.selector: must not be empty");
      else {
        checkSelector(s.selector, "spec.selector", errs);
        if (!selectorMatches(s.selector, obj(obj(s.template).metadata).labels)) errs.push("spec.selector does not match spec.template.metadata.labels");
      }
      if (typeof s.replicas === "number" && s.replicas < 0) errs.push("spec.replicas must not be negative");
      if (o.kind === "Deployment" && obj(s.strategy).type === "Recreate" && obj(s.strategy).rollingUpdate) errs.push("spec.strategy.rollingUpdate may not be set when spec.strategy.type is Recreate");
      for (const k of ["maxSurge", "maxUnavailable"]) {
        const p = intOrPercentProblem(obj(obj(s.strategy).rollingUpdate)[k]);
        if (p) errs.push(`spec.strategy.rollingUpdate.${k}: ${p}`);
      }
      if (o.kind === "StatefulSet") {
        if (typeof s.serviceName !== "string" || s.serviceName === "") errs.push(`spec.serviceName is required by ${TARGET}`);
        arr(s.volumeClaimTemplates).forEach((t, i) => {
          if (!isDns1123Label(obj(obj(t).metadata).name)) errs.push(`spec.volumeClaimTemplates[${i}].metadata.name must be a DNS-1123 label`);
          checkPvcSpec(obj(t).spec, `spec.volumeClaimTemplates[${i}].spec`, errs);
        });
      }
      break;
    }
    case "CronJob": {
      const p = cronProblem(s.schedule, { allowTimeZone: false });
      if (p) errs.push(`spec.schedule "${s.schedule}": ${p}`);
      break;
    }
    case "Service": {
      const ports = arr(s.ports);
      if (s.type === "ExternalName") { if (!s.externalName) errs.push("spec.externalName is required for type ExternalName"); }
      else if (ports.length === 0 && s.clusterIP !== "None") errs.push("spec.ports: at least one port is required");
      const seen = new Set();
      ports.forEach((p, i) => {
        if (!isObj(p)) return;
        if (ports.length > 1 && !p.name) errs.push(`spec.ports[${i}].name is required when there is more than one port`);
        if (p.name !== undefined) {
          if (!isDns1123Label(p.name)) errs.push(`spec.ports[${i}].name "${p.name}" must be a DNS-1123 label`);
          if (seen.has(p.name)) errs.push(`spec.ports[${i}].name "${p.name}" is a duplicate`);
          seen.add(p.name);
        }
        if (typeof p.port === "number" && (p.port < 1 || p.port > 65535)) errs.push(`spec.ports[${i}].port ${p.port} is out of range 1-65535`);
        if (typeof p.targetPort === "number" && (p.targetPort < 1 || p.targetPort > 65535)) errs.push(`spec.ports[${i}].targetPort ${p.targetPort} is out of range 1-65535`);
        if (typeof p.targetPort === "string" && !/^\d+$/.test(p.targetPort) && !isIanaSvcName(p.targetPort)) errs.push(`spec.ports[${i}].targetPort "${p.targetPort}" must be a number or an IANA service name`);
        if (p.nodePort !== undefined && s.type !== "NodePort" && s.type !== "LoadBalancer") errs.push(`spec.ports[${i}].nodePort may only be set for type NodePort or LoadBalancer`);
      });
      checkLabels(s.selector, "spec.selector", errs);
      break;
    }
    case "HorizontalPodAutoscaler": {
      if (typeof s.maxReplicas === "number" && s.maxReplicas < 1) errs.push("spec.maxReplicas must be at least 1");
      if (typeof s.minReplicas === "number" && s.minReplicas < 1) errs.push("spec.minReplicas must be at least 1 (0 needs the alpha HPAScaleToZero feature gate)");
      if (typeof s.minReplicas === "number" && typeof s.maxReplicas === "number" && s.minReplicas > s.maxReplicas) errs.push(`spec.minReplicas (${s.minReplicas}) must be less than or equal to spec.maxReplicas (${s.maxReplicas})`);
      const SRC = { Resource: "resource", ContainerResource: "containerResource", Pods: "pods", Object: "object", External: "external" };
      arr(s.metrics).forEach((m, i) => {
        if (!isObj(m)) return;
        const key = SRC[m.type];
        if (!key) return; // schema reports the enum
        for (const other of Object.values(SRC)) if (other !== key && m[other] !== undefined) errs.push(`spec.metrics[${i}].${other} may not be set for type ${m.type}`);
        const t = obj(obj(m[key]).target);
        if (!m[key]) errs.push(`spec.metrics[${i}].${key} is required for type ${m.type}`);
        else if (t.type === "Utilization" && t.averageUtilization === undefined) errs.push(`spec.metrics[${i}].${key}.target.averageUtilization is required for target type Utilization`);
        else if (t.type === "Value" && t.value === undefined) errs.push(`spec.metrics[${i}].${key}.target.value is required for target type Value`);
        else if (t.type === "AverageValue" && t.averageValue === undefined) errs.push(`spec.metrics[${i}].${key}.target.averageValue is required for target type AverageValue`);
        if (t.type === "Utilization" && (m.type === "Object" || m.type === "External")) errs.push(`spec.metrics[${i}]: target type Utilization is not allowed for type ${m.type}`);
      });
      break;
    }
    case "PodDisruptionBudget": {
      if (s.minAvailable !== undefined && s.maxUnavailable !== undefined) errs.push("spec.minAvailable and spec.maxUnavailable are mutually exclusive");
      for (const k of ["minAvailable", "maxUnavailable"]) { const p = intOrPercentProblem(s[k]); if (p) errs.push(`spec.${k}: ${p}`); }
      checkSelector(s.selector, "spec.selector", errs);
      break;
    }
    case "PersistentVolumeClaim": checkPvcSpec(s, "spec", errs); break;
    case "ConfigMap": case "Secret": {
      const seen = new Set();
      for (const field of o.kind === "Secret" ? ["data", "stringData"] : ["data", "binaryData"]) {
        for (const [k, v] of Object.entries(obj(o[field]))) {
          if (k.length > 253 || !RE.configKey.test(k) || k === "." || k === "..") errs.push(`${field}: key "${k}" must consist of alphanumerics, '-', '_' or '.'`);
          if (seen.has(k) && !(o.kind === "Secret" && field === "stringData")) errs.push(`${field}: key "${k}" is also in another data field`);
          seen.add(k);
          if (typeof v !== "string") errs.push(`${field}["${k}"]: value must be a string`);
          else if ((field === "data" && o.kind === "Secret") || field === "binaryData") { if (!RE.base64.test(v.replace(/\s+/g, "")) || v.replace(/\s+/g, "").length % 4) errs.push(`${field}["${k}"]: value is not base64`); }
        }
      }
      break;
    }
    case "Ingress": {
      arr(s.rules).forEach((r, i) => {
        if (!isObj(r)) return;
        checkHost(r.host, `spec.rules[${i}].host`, errs);
        arr(obj(r.http).paths).forEach((p, j) => {
          if (!isObj(p)) return;
          const w = `spec.rules[${i}].http.paths[${j}]`;
          if (!p.pathType) errs.push(`${w}.pathType is required`);
          if ((p.pathType === "Prefix" || p.pathType === "Exact") && !String(p.path ?? "").startsWith("/")) errs.push(`${w}.path must be an absolute path for pathType ${p.pathType}`);
          const b = obj(p.backend);
          if ((b.service ? 1 : 0) + (b.resource ? 1 : 0) !== 1) errs.push(`${w}.backend: must have exactly one of service, resource`);
          const port = obj(obj(b.service).port);
          if (b.service && (port.name === undefined) === (port.number === undefined)) errs.push(`${w}.backend.service.port: must have exactly one of name, number`);
        });
      });
      arr(s.tls).forEach((t, i) => arr(obj(t).hosts).forEach((h, j) => checkHost(h, `spec.tls[${i}].hosts[${j}]`, errs)));
      break;
    }
    case "Route": {
      checkHost(s.host, "spec.host", errs, { wildcard: false });
      if (s.path !== undefined && !String(s.path).startsWith("/")) errs.push(`spec.path "${s.path}" must start with "/"`);
      const tls = obj(s.tls);
      if (tls.termination === "passthrough") {
        if (s.path) errs.push("spec.path is not allowed with passthrough TLS termination");
        for (const k of ["certificate", "key", "caCertificate", "destinationCACertificate"]) if (tls[k]) errs.push(`spec.tls.${k} is not allowed with passthrough termination`);
        if (tls.insecureEdgeTerminationPolicy === "Allow") errs.push("spec.tls.insecureEdgeTerminationPolicy Allow is not allowed with passthrough termination");
      }
      if (tls.termination === "edge" && tls.destinationCACertificate) errs.push("spec.tls.destinationCACertificate is only for reencrypt termination");
      break;
    }
    case "Schedule": case "Backup": {
      if (o.apiVersion !== "velero.io/v1") break;
      if (!obj(o.metadata).namespace) errs.push(`metadata.namespace is required: a ${o.kind} must be in the Velero server's namespace`);
      let t = s, w = "spec";
      if (o.kind === "Schedule") {
        const p = cronProblem(s.schedule, { allowTimeZone: true });
        if (p) errs.push(`spec.schedule "${s.schedule}": ${p}`);
        t = obj(s.template);
        w = "spec.template";
      }
      const inc = new Set(arr(t.includedNamespaces));
      for (const n of arr(t.excludedNamespaces)) if (inc.has(n)) errs.push(`${w}: namespace "${n}" is both included and excluded`);
      if (t.labelSelector && arr(t.orLabelSelectors).length) errs.push(`${w}: labelSelector and orLabelSelectors may not both be set`);
      checkSelector(t.labelSelector, `${w}.labelSelector`, errs);
      if (t.includeClusterResources !== undefined && t.includeClusterResources !== null && (t.includedClusterScopedResources || t.excludedClusterScopedResources || t.includedNamespaceScopedResources || t.excludedNamespaceScopedResources))
        errs.push(`${w}: includeClusterResources may not be combined with the *ScopedResources filters`);
      break;
    }
    case "ServiceMonitor": {
      checkSelector(s.selector, "spec.selector", errs);
      break;
    }
  }
  return errs;
}

// ---------------------------------------------------------------- references within the stream
function crossReferences(items) {
  const ns = (o) => obj(o.metadata).namespace || "";
  const byKind = (kind) => items.filter((it) => it.o.kind === kind);
  const workloads = items.filter((it) => podSpecsOf(it.o).length && !["Job", "CronJob", "Pod"].includes(it.o.kind)).concat(items.filter((it) => it.o.kind === "Pod"));
  const podTemplates = (namespace) => workloads.filter((w) => ns(w.o) === namespace).map((w) => ({ w, ps: podSpecsOf(w.o)[0] }));
  const groupOf = (apiVersion) => (String(apiVersion).includes("/") ? String(apiVersion).split("/")[0] : "");

  for (const svc of byKind("Service")) {
    const s = obj(svc.o.spec);
    if (!isObj(s.selector) || Object.keys(s.selector).length === 0) continue;
    const pods = podTemplates(ns(svc.o));
    const selected = pods.filter(({ ps }) => mapSelectorMatches(s.selector, ps.labels));
    if (pods.length && !selected.length) { svc.errs.push(`spec.selector ${JSON.stringify(s.selector)} selects no pod template in this stream`); continue; }
    arr(s.ports).forEach((p, i) => {
      if (!isObj(p) || typeof p.targetPort !== "string" || /^\d+$/.test(p.targetPort)) return;
      for (const { w, ps } of selected) {
        const has = allContainers(ps.spec).some(([, , c]) => arr(obj(c).ports).some((cp) => obj(cp).name === p.targetPort));
        if (!has) svc.errs.push(`spec.ports[${i}].targetPort "${p.targetPort}" is not a named container port of ${w.o.kind}/${obj(w.o.metadata).name}, which this Service selects`);
      }
    });
  }
  for (const hpa of byKind("HorizontalPodAutoscaler")) {
    const ref = obj(obj(hpa.o.spec).scaleTargetRef);
    if (!ref.kind || !ref.name) continue;
    if (!ref.apiVersion) { hpa.errs.push("spec.scaleTargetRef.apiVersion is required: the controller looks the target up by group"); continue; }
    const target = items.find((it) => it.o.kind === ref.kind && obj(it.o.metadata).name === ref.name && ns(it.o) === ns(hpa.o) && groupOf(it.o.apiVersion) === groupOf(ref.apiVersion));
    if (!target) { hpa.errs.push(`spec.scaleTargetRef ${ref.apiVersion || ""} ${ref.kind}/${ref.name} is not in this stream`); continue; }
    if (!["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"].includes(ref.kind)) hpa.errs.push(`spec.scaleTargetRef: ${ref.kind} has no scale subresource`);
    // a Utilization target needs requests for that resource on every container
    const ps = podSpecsOf(target.o)[0];
    arr(obj(hpa.o.spec).metrics).forEach((m, i) => {
      const src = obj(m).type === "Resource" ? obj(m.resource) : null;
      if (!src || obj(src.target).type !== "Utilization" || !ps) return;
      for (const [, , c] of allContainers(ps.spec).filter(([l]) => l === "containers")) {
        if (obj(obj(obj(c).resources).requests)[src.name] === undefined) hpa.errs.push(`spec.metrics[${i}]: ${src.name} Utilization needs resources.requests.${src.name} on container "${obj(c).name}" of ${ref.kind}/${ref.name}`);
      }
    });
  }
  for (const pdb of byKind("PodDisruptionBudget")) {
    const sel = obj(pdb.o.spec).selector;
    const pods = podTemplates(ns(pdb.o));
    if (pods.length && !pods.some(({ ps }) => selectorMatches(sel, ps.labels))) pdb.errs.push("spec.selector selects no pod template in this stream");
  }
  const services = (namespace) => byKind("Service").filter((it) => ns(it.o) === namespace);
  const findService = (namespace, name) => services(namespace).find((it) => obj(it.o.metadata).name === name);
  for (const ing of byKind("Ingress")) {
    const check = (b, where) => {
      const svc = obj(obj(b).service);
      if (!svc.name) return;
      const target = findService(ns(ing.o), svc.name);
      if (!target) { ing.errs.push(`${where}.service: Service "${svc.name}" is not in this stream`); return; }
      const port = obj(svc.port);
      const ports = arr(obj(target.o.spec).ports);
      if (port.name !== undefined && !ports.some((p) => obj(p).name === port.name)) ing.errs.push(`${where}.service.port.name "${port.name}" is not a port of Service "${svc.name}"`);
      if (port.number !== undefined && !ports.some((p) => obj(p).port === port.number)) ing.errs.push(`${where}.service.port.number ${port.number} is not a port of Service "${svc.name}"`);
    };
    const s = obj(ing.o.spec);
    if (s.defaultBackend) check(s.defaultBackend, "spec.defaultBackend");
    arr(s.rules).forEach((r, i) => arr(obj(obj(r).http).paths).forEach((p, j) => check(obj(p).backend, `spec.rules[${i}].http.paths[${j}].backend`)));
  }
  for (const route of byKind("Route")) {
    const s = obj(route.o.spec);
    for (const [where, to] of [["spec.to", s.to], ...arr(s.alternateBackends).map((b, i) => [`spec.alternateBackends[${i}]`, b])]) {
      const name = obj(to).name;
      if (!name) continue;
      const target = findService(ns(route.o), name);
      if (!target) { route.errs.push(`${where}: Service "${name}" is not in this stream`); continue; }
      const tp = obj(s.port).targetPort;
      if (where === "spec.to" && typeof tp === "string" && !/^\d+$/.test(tp) && !arr(obj(target.o.spec).ports).some((p) => obj(p).name === tp))
        route.errs.push(`spec.port.targetPort "${tp}" is not a port name of Service "${name}"`);
    }
  }
  for (const hr of byKind("HTTPRoute")) { // Service backends: in the stream, by one of their port numbers
    arr(obj(hr.o.spec).rules).forEach((r, i) => arr(obj(r).backendRefs).forEach((b, j) => {
      const ref = obj(b), where = `spec.rules[${i}].backendRefs[${j}]`;
      if ((ref.kind ?? "Service") !== "Service" || (ref.group ?? "") !== "") return;
      const target = findService(ref.namespace ?? ns(hr.o), ref.name);
      if (!target) hr.errs.push(`${where}: Service "${ref.name}" is not in this stream`);
      else if (!arr(obj(target.o.spec).ports).some((p) => obj(p).port === ref.port)) hr.errs.push(`${where}.port ${ref.port} is not a port of Service "${ref.name}"`);
    }));
  }
  for (const sts of byKind("StatefulSet")) {
    const name = obj(sts.o.spec).serviceName;
    if (!name) continue;
    const svc = findService(ns(sts.o), name);
    if (!svc) sts.errs.push(`spec.serviceName: Service "${name}" is not in this stream`);
    else if (obj(svc.o.spec).clusterIP !== "None") sts.errs.push(`spec.serviceName: Service "${name}" must be headless (clusterIP: None) to give the pods stable DNS names`);
  }
  for (const sm of byKind("ServiceMonitor")) {
    const s = obj(sm.o.spec);
    const nsSel = obj(s.namespaceSelector);
    const namespaces = nsSel.any ? null : arr(nsSel.matchNames).length ? arr(nsSel.matchNames) : [ns(sm.o)];
    const candidates = byKind("Service").filter((it) => namespaces === null || namespaces.includes(ns(it.o)));
    const selected = candidates.filter((it) => selectorMatches(s.selector, obj(it.o.metadata).labels));
    if (candidates.length && !selected.length) { sm.errs.push("spec.selector selects no Service (by its metadata.labels) in this stream"); continue; }
    arr(s.endpoints).forEach((e, i) => {
      const port = obj(e).port;
      if (typeof port !== "string") return;
      for (const svc of selected) if (!arr(obj(svc.o.spec).ports).some((p) => obj(p).name === port)) sm.errs.push(`spec.endpoints[${i}].port "${port}" is not a port name of Service "${obj(svc.o.metadata).name}"`);
    });
  }
}

// ---------------------------------------------------------------- main
async function checkObject(o) {
  const errs = [];
  const key = `${o.apiVersion}|${o.kind}`;
  const notServed = NOT_SERVED[key] ?? NOT_SERVED[o.apiVersion];
  if (notServed) errs.push(`${o.apiVersion} ${o.kind} is not served by ${TARGET} (${notServed})`);
  const model = await findModel(o.apiVersion, o.kind);
  if (model) errs.push(...runModel(model, o));
  else if (LOCAL_SCHEMAS[key]) {
    const v = LOCAL_SCHEMAS[key];
    if (!v(o)) errs.push(...ajvMessages(v.errors));
    if (isObj(o.metadata)) errs.push(...runModel(ObjectMeta, o.metadata, "metadata"));
  } else if (!opts.allowUnknownKinds) {
    errs.push(`no schema for apiVersion ${o.apiVersion} kind ${o.kind} (neither a ${TARGET} kind nor one of velero.io/v1 Schedule/Backup, route.openshift.io/v1 Route, external-secrets.io/v1 ExternalSecret, bitnami.com/v1alpha1 SealedSecret, monitoring.coreos.com/v1 ServiceMonitor & co.)`);
    return errs;
  }
  errs.push(...semanticChecks(o));
  return errs;
}

const items = []; // {file, o, errs}
let passed = 0, failed = 0;
const fail = (file, id, msg) => { process.stdout.write(`${file}: ${id}: ${msg}\n`); };
for (const f of expand(opts.inputs)) {
  const label = f === "-" ? opts.label : f;
  let text;
  try { text = f === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(f, "utf8"); }
  catch (e) { fail(label, "file", `cannot read: ${e.code || e.message}`); failed++; continue; }
  for (const d of parseStream(text)) {
    if (d.error) { fail(label, `document ${d.index + 1}`, d.error); failed++; continue; }
    const list = isObj(d.value) && d.value.kind === "List" && Array.isArray(d.value.items) ? d.value.items : [d.value];
    for (const o of list) {
      if (!isObj(o) || typeof o.apiVersion !== "string" || typeof o.kind !== "string") {
        fail(label, `document ${d.index + 1}`, "not a Kubernetes object (needs apiVersion and kind)"); failed++; continue;
      }
      if (/^kustomize\.config\.k8s\.io\//.test(o.apiVersion)) continue; // build instructions, not objects
      items.push({ file: label, o, errs: await checkObject(o) });
    }
  }
}
// the same object twice would make `kubectl apply` fight with itself
const seenIds = new Map();
for (const it of items) {
  const group = it.o.apiVersion.includes("/") ? it.o.apiVersion.split("/")[0] : "";
  const id = `${group}|${it.o.kind}|${obj(it.o.metadata).namespace || ""}|${obj(it.o.metadata).name}`;
  if (seenIds.has(id)) it.errs.push(`the same object is already defined in ${seenIds.get(id)}`);
  else seenIds.set(id, it.file);
}
if (opts.xref) crossReferences(items);
for (const it of items) {
  const m = obj(it.o.metadata);
  const id = `${it.o.kind}/${m.namespace || "-"}/${m.name ?? "<no name>"}`;
  if (it.errs.length) { failed++; for (const e of it.errs) fail(it.file, id, e); } else passed++;
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed ? 1 : 0;
