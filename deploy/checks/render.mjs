// Turns a kustomization into the list of Kubernetes objects it stands for.
//
// renderBuiltin(dir) understands exactly the kustomization fields this repo uses
// (namespace, resources as files, configMapGenerator, secretGenerator) and throws on any
// other field, so it can never silently render something different from kustomize.
// It leaves out kustomize's name hash suffixes; renderKubectl() output is mapped back to
// unsuffixed names by unhash() so that both renderings compare equal.
import { execFileSync } from "node:child_process";
import { readFileSync, existsSync, statSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";

// Kubernetes reads YAML 1.1 (0555 is octal, yes/no are booleans): so do we.
const YAML_OPTIONS = { version: "1.1" };

const SUPPORTED_FIELDS = new Set([
  "apiVersion", "kind", "namespace", "resources", "configMapGenerator", "secretGenerator",
]);
const GENERATOR_FIELDS = new Set(["name", "literals", "files", "envs", "type"]);
const CLUSTER_SCOPED = new Set([
  "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
  "PersistentVolume", "StorageClass", "IngressClass", "PriorityClass",
]);

/** Parses every YAML document of a file; returns [{doc, source}] without empty docs. */
export function readYamlDocs(file, label = file) {
  const docs = YAML.parseAllDocuments(readFileSync(file, "utf8"), YAML_OPTIONS);
  const out = [];
  docs.forEach((d, i) => {
    if (d.errors.length) throw new Error(`${label}: YAML error: ${d.errors[0].message}`);
    const doc = d.toJS();
    if (doc !== null && doc !== undefined) out.push({ doc, source: `${label}#${i + 1}` });
  });
  return out;
}

function parseLiteral(entry, where) {
  const eq = entry.indexOf("=");
  if (eq <= 0) throw new Error(`${where}: literal "${entry}" is not KEY=VALUE`);
  return [entry.slice(0, eq), entry.slice(eq + 1)];
}

function generatorData(dir, gen, where) {
  const data = {};
  const put = (k, v) => {
    if (k in data) throw new Error(`${where}: key ${k} is given twice`);
    data[k] = v;
  };
  for (const lit of gen.literals ?? []) put(...parseLiteral(String(lit), where));
  for (const f of gen.files ?? []) {
    const [key, rel] = f.includes("=") ? f.split("=", 2) : [path.basename(f), f];
    put(key, readFileSync(path.join(dir, rel), "utf8"));
  }
  for (const f of gen.envs ?? []) {
    for (const line of readFileSync(path.join(dir, f), "utf8").split("\n")) {
      if (line.trim() && !line.trimStart().startsWith("#")) put(...parseLiteral(line, where));
    }
  }
  return data;
}

/** Renders dir/kustomization.yaml without kubectl. Returns [{doc, source}]. */
export function renderBuiltin(dir) {
  const kfile = path.join(dir, "kustomization.yaml");
  const k = YAML.parse(readFileSync(kfile, "utf8"), YAML_OPTIONS);
  for (const field of Object.keys(k)) {
    if (!SUPPORTED_FIELDS.has(field)) {
      throw new Error(`kustomization.yaml: field "${field}" is not supported by the built-in ` +
        "renderer (deploy/checks/render.mjs); extend it or install kubectl");
    }
  }
  const out = [];
  for (const res of k.resources ?? []) {
    const file = path.join(dir, res);
    if (!existsSync(file)) throw new Error(`kustomization.yaml: resource ${res} does not exist`);
    if (statSync(file).isDirectory()) {
      throw new Error(`kustomization.yaml: resource ${res} is a directory; the built-in ` +
        "renderer takes files only");
    }
    out.push(...readYamlDocs(file, res));
  }
  for (const [list, kind] of [["configMapGenerator", "ConfigMap"], ["secretGenerator", "Secret"]]) {
    for (const gen of k[list] ?? []) {
      const where = `kustomization.yaml ${list} ${gen.name}`;
      for (const field of Object.keys(gen)) {
        if (!GENERATOR_FIELDS.has(field)) throw new Error(`${where}: field "${field}" unsupported`);
      }
      const data = generatorData(dir, gen, where);
      const doc = { apiVersion: "v1", kind, metadata: { name: gen.name } };
      if (kind === "Secret") {
        doc.type = gen.type ?? "Opaque";
        doc.data = Object.fromEntries(
          Object.entries(data).map(([key, v]) => [key, Buffer.from(v).toString("base64")]));
      } else {
        doc.data = data;
      }
      out.push({ doc, source: `kustomization.yaml ${list} ${gen.name}`, generated: true });
    }
  }
  if (k.namespace) {
    for (const { doc } of out) {
      if (!CLUSTER_SCOPED.has(doc.kind)) {
        doc.metadata = { ...doc.metadata, namespace: k.namespace };
      }
    }
  }
  return out;
}

/** Renders with `kubectl kustomize`; null when kubectl is not installed. */
export function renderKubectl(dir) {
  let text;
  try {
    // KUBECTL=none forces the built-in renderer alone (how a machine without kubectl runs).
    text = execFileSync(process.env.KUBECTL ?? "kubectl", ["kustomize", dir],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    if (e.code === "ENOENT") return null;
    throw new Error(`kubectl kustomize ${dir} failed:\n${e.stderr || e.message}`);
  }
  return YAML.parseAllDocuments(text, YAML_OPTIONS).map((d) => d.toJS()).filter(Boolean);
}

/** Replaces kustomize's hashed generator names (name-0123456789) by the plain names. */
export function unhash(docs, generatorNames) {
  const hashed = new Map();
  for (const d of docs) {
    const m = /^(.*)-[a-z0-9]{10}$/.exec(d.metadata?.name ?? "");
    if (m && generatorNames.has(m[1]) && (d.kind === "ConfigMap" || d.kind === "Secret")) {
      hashed.set(d.metadata.name, m[1]);
    }
  }
  const walk = (v) => {
    if (typeof v === "string") return hashed.get(v) ?? v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return docs.map(walk);
}

/** "Kind namespace/name" — the identity of an object. */
export function idOf(doc) {
  const ns = doc.metadata?.namespace ? `${doc.metadata.namespace}/` : "";
  return `${doc.kind} ${ns}${doc.metadata?.name}`;
}

function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  }
  return v;
}

/** Differences between two renderings, as readable lines (empty when equal). */
export function diffRenderings(a, b) {
  const index = (docs) => new Map(docs.map((d) => [idOf(d), JSON.stringify(canonical(d))]));
  const ia = index(a), ib = index(b);
  const lines = [];
  for (const [id, text] of ia) {
    if (!ib.has(id)) lines.push(`only in built-in rendering: ${id}`);
    else if (ib.get(id) !== text) lines.push(`differs: ${id}`);
  }
  for (const id of ib.keys()) if (!ia.has(id)) lines.push(`only in kubectl rendering: ${id}`);
  return lines;
}
