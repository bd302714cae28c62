#!/usr/bin/env node
// sarif-validate: checks SARIF logs the way GitHub code scanning will read them.
//
//   node sarif-validate.mjs FILE...
//
// For each file:
//   1. it is JSON, and valid against the SARIF 2.1.0 JSON schema (OASIS), as shipped in the npm
//      package @microsoft/sarif-multitool-linux (sarif-2.1.0.json, JSON Schema 2020-12), with ajv;
//   2. version is "2.1.0";
//   3. every result has a ruleId that is the id of one of its run's tool.driver.rules[], and a
//      ruleIndex, when given, points at that rule; rule ids are unique;
//   4. every region is 1-based (startLine >= 1, columns >= 1), ends after it starts, and every
//      physical location names its artifact (artifactLocation.uri).
//
// Output: one line per problem, "FILE: where: message", then "N passed, M failed" (files).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const files = process.argv.slice(2);
if (files.length === 0 || files.some((f) => f.startsWith("-"))) {
  process.stderr.write("usage: sarif-validate.mjs FILE...\n");
  process.exit(2);
}

const require = createRequire(import.meta.url);
const schemaFile = path.join(path.dirname(require.resolve("@microsoft/sarif-multitool-linux/package.json")), "sarif-2.1.0.json");
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validateSchema = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, "utf8")));

const obj = (v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? v : {});
const arr = (v) => (Array.isArray(v) ? v : []);

function checkRegion(reg, where, errs) {
  if (reg === undefined) return;
  const r = obj(reg);
  const isText = r.startLine !== undefined || r.endLine !== undefined || r.startColumn !== undefined || r.endColumn !== undefined;
  if (!isText) return; // a byte/char-offset region
  if (!(Number.isInteger(r.startLine) && r.startLine >= 1)) errs.push([where, `region.startLine must be an integer >= 1 (SARIF lines are 1-based), got ${JSON.stringify(r.startLine)}`]);
  for (const k of ["startColumn", "endColumn", "endLine"]) {
    if (r[k] !== undefined && !(Number.isInteger(r[k]) && r[k] >= 1)) errs.push([where, `region.${k} must be an integer >= 1 (1-based), got ${JSON.stringify(r[k])}`]);
  }
  if (Number.isInteger(r.endLine) && Number.isInteger(r.startLine) && r.endLine < r.startLine) errs.push([where, "region.endLine is before startLine"]);
  if ((r.endLine === undefined || r.endLine === r.startLine) && Number.isInteger(r.endColumn) && Number.isInteger(r.startColumn) && r.endColumn < r.startColumn)
    errs.push([where, "region.endColumn is before startColumn on the same line"]);
}

function checkLog(log, errs) {
  if (log.version !== "2.1.0") errs.push(["version", `must be "2.1.0", got ${JSON.stringify(log.version)}`]);
  arr(log.runs).forEach((run, i) => {
    const rules = arr(obj(obj(obj(run).tool).driver).rules);
    const ids = rules.map((r) => obj(r).id);
    const seen = new Set();
    ids.forEach((id, k) => { if (seen.has(id)) errs.push([`runs[${i}].tool.driver.rules[${k}]`, `rule id "${id}" is a duplicate`]); seen.add(id); });
    arr(obj(run).results).forEach((res, j) => {
      const w = `runs[${i}].results[${j}]`;
      const r = obj(res);
      if (typeof r.ruleId !== "string" || r.ruleId === "") errs.push([w, "has no ruleId"]);
      else if (!ids.includes(r.ruleId)) errs.push([w, `ruleId "${r.ruleId}" is not in runs[${i}].tool.driver.rules[]`]);
      if (r.ruleIndex !== undefined && obj(rules[r.ruleIndex]).id !== r.ruleId) errs.push([w, `ruleIndex ${r.ruleIndex} does not point at rule "${r.ruleId}"`]);
      arr(r.locations).forEach((loc, k) => {
        const pl = obj(loc).physicalLocation;
        if (pl === undefined) return;
        if (!obj(obj(pl).artifactLocation).uri) errs.push([`${w}.locations[${k}]`, "physicalLocation has no artifactLocation.uri"]);
        checkRegion(obj(pl).region, `${w}.locations[${k}]`, errs);
        checkRegion(obj(pl).contextRegion, `${w}.locations[${k}] (contextRegion)`, errs);
      });
    });
  });
}

let passed = 0, failed = 0;
for (const file of files) {
  const errs = [];
  let log = null;
  try { log = JSON.parse(fs.readFileSync(file, "utf8")); }
  catch (e) { errs.push(["(file)", e.code ? `cannot read: ${e.code}` : `not JSON: ${e.message.replace(/\s+/g, " ")}`]); }
  if (log !== null) {
    if (!validateSchema(log)) {
      const seen = new Set();
      for (const e of validateSchema.errors) {
        const at = (e.instancePath || "").replace(/^\//, "").replace(/\/(\d+)(?=\/|$)/g, "[$1]").replace(/\//g, ".") || "(top level)";
        const msg = e.keyword === "additionalProperties" ? `unknown property "${e.params.additionalProperty}"`
          : e.keyword === "enum" ? `must be one of ${e.params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`
          : e.message;
        if (!seen.has(`${at}|${msg}`)) { seen.add(`${at}|${msg}`); errs.push([at, `schema: ${msg}`]); }
      }
    }
    if (typeof log === "object" && log !== null) checkLog(log, errs);
  }
  if (errs.length) { failed++; for (const [w, m] of errs) process.stdout.write(`${file}: ${w}: ${m}\n`); }
  else passed++;
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed ? 1 : 0;
