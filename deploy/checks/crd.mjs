// Strict validation of custom resources against the OpenAPI schema of their CRD
// (deploy/crds/*.yaml), with ajv. A CRD's structural schema is JSON Schema with a few
// Kubernetes extensions, made strict here the way the API server prunes and validates:
//  - an object schema that lists properties accepts no other field (additionalProperties
//    false), unless it says x-kubernetes-preserve-unknown-fields; so a misspelt field fails;
//  - x-kubernetes-int-or-string (and format int-or-string) means "integer or string";
//  - every other x-kubernetes-* key is an annotation. CEL rules (x-kubernetes-validations)
//    are not evaluated: the semantic checks cover the ones this repo relies on;
//  - metadata may hold name, namespace, labels and annotations only;
//  - patterns are Go (RE2) regular expressions: an inline (?i) becomes the i flag.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import YAML from "yaml";

export const CRD_DIR = path.resolve(import.meta.dirname, "..", "crds");
const META_FIELDS = new Set(["name", "namespace", "labels", "annotations"]);
const INTEGER_FORMATS = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] };

/** A copy of a CRD schema made strict (see the file comment); structural: not in anyOf/allOf/... */
function strict(node, structural = true) {
  if (Array.isArray(node)) return node.map((n) => strict(n, structural));
  if (!node || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "properties") {
      out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, strict(s, true)]));
    } else if (["items", "additionalProperties"].includes(k)) {
      out[k] = strict(v, structural);
    } else if (["anyOf", "allOf", "oneOf", "not"].includes(k)) {
      out[k] = strict(v, false);
    } else {
      out[k] = v;
    }
  }
  if (out["x-kubernetes-int-or-string"] === true || out.format === "int-or-string") {
    delete out.type;
    if (out.format === "int-or-string") delete out.format;
    out.anyOf ??= [{ type: "integer" }, { type: "string" }];
  }
  if (structural && out.properties && out.additionalProperties === undefined &&
      out["x-kubernetes-preserve-unknown-fields"] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

/** Every "x-kubernetes-..." key used anywhere in a schema. */
function extensionKeys(node, keys = new Set()) {
  if (Array.isArray(node)) node.forEach((n) => extensionKeys(n, keys));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k.startsWith("x-kubernetes-")) keys.add(k);
      if (k !== "enum" && k !== "default") extensionKeys(v, keys);
    }
  }
  return keys;
}

/**
 * Go's regexp syntax where it differs from JavaScript's, as far as the CRDs here use it: an
 * inline (?i) (upstream writes it after ^) becomes the i flag of the whole pattern.
 */
function goRegExp(pattern, flags) {
  const caseless = pattern.includes("(?i)");
  return new RegExp(pattern.replaceAll("(?i)", ""), caseless ? `${flags}i` : flags);
}
goRegExp.code = "goRegExp";

function newAjv(schemas) {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true,
    validateFormats: true, code: { regExp: goRegExp } });
  for (const k of extensionKeys(schemas)) ajv.addKeyword({ keyword: k });
  for (const [f, [min, max]] of Object.entries(INTEGER_FORMATS)) {
    ajv.addFormat(f, { type: "number", validate: (n) => Number.isInteger(n) && n >= min && n <= max });
  }
  ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i);
  return ajv;
}

/**
 * The validators of every CRD in dir: Map "group/version Kind" -> {validate, file}, where
 * validate(doc) returns whether doc is valid and leaves ajv's errors in validate.errors.
 * Only served versions count.
 */
export function loadCrds(dir = CRD_DIR) {
  const crds = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of YAML.parseAllDocuments(readFileSync(path.join(dir, file), "utf8"))) {
      const crd = doc.toJS();
      if (crd?.kind === "CustomResourceDefinition") crds.push({ crd, file });
    }
  }
  const ajv = newAjv(crds.map(({ crd }) => crd.spec.versions.map((v) => v.schema)));
  const out = new Map();
  for (const { crd, file } of crds) {
    for (const v of crd.spec.versions.filter((x) => x.served)) {
      // Compiled on first use: the Cluster schema alone takes seconds.
      let compiled;
      const validate = (doc) => {
        compiled ??= ajv.compile(strict(v.schema.openAPIV3Schema));
        const ok = compiled(doc);
        validate.errors = compiled.errors;
        return ok;
      };
      out.set(`${crd.spec.group}/${v.name} ${crd.spec.names.kind}`, { validate, file });
    }
  }
  return out;
}

/** True if apiVersion belongs to a group of a CRD in crds (a custom resource this repo checks). */
export function isCustomResource(crds, doc) {
  const group = String(doc.apiVersion ?? "").split("/")[0];
  return [...crds.keys()].some((k) => k.startsWith(`${group}/`));
}

const at = (pointer) => pointer.slice(1).split("/").join(".").replace(/\.(\d+)(?=\.|$)/g, "[$1]") || "(top)";

/** Errors of one custom resource against its CRD ([] when valid). */
export function validateCustomResource(crds, doc) {
  const entry = crds.get(`${doc.apiVersion} ${doc.kind}`);
  if (!entry) {
    return [`no CRD in deploy/crds/ serves apiVersion ${doc.apiVersion} kind ${doc.kind}`];
  }
  const errors = [];
  for (const [k, v] of Object.entries(doc.metadata ?? {})) {
    if (!META_FIELDS.has(k)) errors.push(`at metadata.${k}: not a field this check allows in metadata`);
    else if (["labels", "annotations"].includes(k) &&
      !Object.values(v ?? {}).every((x) => typeof x === "string")) {
      errors.push(`at metadata.${k}: values must be strings`);
    }
  }
  if (typeof doc.metadata?.name !== "string") errors.push("at metadata.name: required");
  if (!entry.validate(doc)) {
    for (const e of entry.validate.errors) {
      const extra = e.params?.additionalProperty ? ` "${e.params.additionalProperty}"` : "";
      const allowed = e.params?.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : "";
      errors.push(`at ${at(e.instancePath)}: ${e.message}${extra}${allowed} (${entry.file})`);
    }
  }
  return errors;
}
