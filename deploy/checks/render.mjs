// Turns a kustomization into the list of Kubernetes objects it stands for.
//
// renderBuiltin(dir) understands exactly the kustomization fields this repo uses
// (namespace; resources as files or kustomization directories; components;
// configMapGenerator and secretGenerator with behavior and disableNameSuffixHash; patches,
// strategic-merge or JSON 6902, with targets) and throws on any other field, so it can never
// silently render something different from kustomize. It leaves out kustomize's name hash
// suffixes; renderKubectl() output is mapped back to unsuffixed names by unhash() so that
// both renderings compare equal.
import { execFileSync } from "node:child_process";
import { readFileSync, existsSync, statSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { strategicMerge, jsonPatch, targetMatches } from "./patch.mjs";

// Kubernetes reads YAML 1.1 (0555 is octal, yes/no are booleans): so do we.
const YAML_OPTIONS = { version: "1.1" };

const FIELDS = {
  Kustomization: new Set(["apiVersion", "kind", "namespace", "resources", "components",
    "configMapGenerator", "secretGenerator", "patches"]),
  Component: new Set(["apiVersion", "kind", "resources", "components", "configMapGenerator",
    "secretGenerator", "patches"]),
};
const GENERATOR_FIELDS = new Set(["name", "literals", "files", "envs", "type", "behavior", "options"]);
const CLUSTER_SCOPED = new Set([
  "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
  "PersistentVolume", "StorageClass", "IngressClass", "PriorityClass",
]);

/** Parses every YAML document of a file; returns [{doc, source}] without empty docs. */
export function readYamlDocs(file, label = file) {
  return parseYamlDocs(readFileSync(file, "utf8"), label);
}

function parseYamlDocs(text, label) {
  const docs = YAML.parseAllDocuments(text, YAML_OPTIONS);
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

/** Runs the generators of kustomization k (directory dir) into items. */
function generate(items, dir, k, label) {
  for (const [list, kind] of [["configMapGenerator", "ConfigMap"], ["secretGenerator", "Secret"]]) {
    for (const gen of k[list] ?? []) {
      const where = `${label}kustomization.yaml ${list} ${gen.name}`;
      for (const field of Object.keys(gen)) {
        if (!GENERATOR_FIELDS.has(field)) throw new Error(`${where}: field "${field}" unsupported`);
      }
      for (const opt of Object.keys(gen.options ?? {})) {
        if (opt !== "disableNameSuffixHash") throw new Error(`${where}: option "${opt}" unsupported`);
      }
      const raw = generatorData(dir, gen, where);
      const data = kind === "Secret"
        ? Object.fromEntries(Object.entries(raw).map(([key, v]) => [key, Buffer.from(v).toString("base64")]))
        : raw;
      const behavior = gen.behavior ?? "create";
      const existing = items.find((i) => i.doc.kind === kind && i.doc.metadata?.name === gen.name);
      if (behavior === "create") {
        if (existing) throw new Error(`${where}: ${kind} ${gen.name} already exists (use behavior: merge)`);
        const doc = { apiVersion: "v1", kind, metadata: { name: gen.name } };
        if (kind === "Secret") doc.type = gen.type ?? "Opaque";
        doc.data = data;
        items.push({ doc, source: where, generated: true });
      } else if (behavior === "merge" || behavior === "replace") {
        if (!existing) throw new Error(`${where}: behavior ${behavior} needs an existing ${kind} ${gen.name}`);
        existing.doc.data = behavior === "merge" ? { ...existing.doc.data, ...data } : data;
        existing.source = where;
      } else {
        throw new Error(`${where}: behavior "${behavior}" unsupported`);
      }
    }
  }
}

/** Applies kustomization k's patches (relative to dir) to items, in place. */
function patch(items, dir, k, label) {
  for (const [n, p] of (k.patches ?? []).entries()) {
    const where = `${label}kustomization.yaml patches[${n}]`;
    for (const field of Object.keys(p)) {
      if (!["path", "patch", "target"].includes(field)) throw new Error(`${where}: field "${field}" unsupported`);
    }
    const text = p.path !== undefined ? readFileSync(path.join(dir, p.path), "utf8") : p.patch;
    const docs = parseYamlDocs(String(text), `${label}${p.path ?? "inline patch"}`).map((d) => d.doc);
    if (docs.length === 1 && Array.isArray(docs[0])) {
      if (!p.target) throw new Error(`${where}: a JSON 6902 patch needs a target`);
      const hits = items.filter((i) => targetMatches(p.target, i.doc));
      if (!hits.length) throw new Error(`${where}: target ${JSON.stringify(p.target)} matches nothing`);
      for (const i of hits) i.doc = jsonPatch(i.doc, docs[0]);
      continue;
    }
    for (const smp of docs) {
      const hits = items.filter((i) => (p.target ? targetMatches(p.target, i.doc)
        : i.doc.kind === smp.kind && i.doc.metadata?.name === smp.metadata?.name &&
          (smp.metadata?.namespace === undefined || i.doc.metadata?.namespace === smp.metadata.namespace)));
      if (!hits.length) throw new Error(`${where}: no object matches ${smp.kind} ${smp.metadata?.name}`);
      for (const i of hits) {
        const body = p.target ? { ...smp, metadata: { ...smp.metadata, name: undefined } } : smp;
        if (body.metadata?.name === undefined) delete body.metadata?.name;
        i.doc = strategicMerge(i.doc, body);
      }
    }
    for (let j = items.length - 1; j >= 0; j--) if (items[j].doc === null) items.splice(j, 1);
  }
}

/** Adds what the kustomization or component in dir stands for to items (components patch them). */
function accumulate(items, dir, kind, root) {
  const label = path.relative(root, dir) ? `${path.relative(root, dir)}/` : "";
  const kfile = path.join(dir, "kustomization.yaml");
  if (!existsSync(kfile)) throw new Error(`${label || "./"}: no kustomization.yaml`);
  const k = YAML.parse(readFileSync(kfile, "utf8"), YAML_OPTIONS);
  if ((k.kind ?? "Kustomization") !== kind) {
    throw new Error(`${label}kustomization.yaml: kind ${k.kind}, expected ${kind} here`);
  }
  for (const field of Object.keys(k)) {
    if (!FIELDS[kind].has(field)) {
      throw new Error(`${label}kustomization.yaml: field "${field}" is not supported by the built-in ` +
        "renderer (deploy/checks/render.mjs); extend it or install kubectl");
    }
  }
  const own = kind === "Component" ? items : [];
  for (const res of k.resources ?? []) {
    const file = path.join(dir, res);
    if (!existsSync(file)) throw new Error(`${label}kustomization.yaml: resource ${res} does not exist`);
    if (statSync(file).isDirectory()) accumulate(own, file, "Kustomization", root);
    else own.push(...readYamlDocs(file, path.relative(root, file)));
  }
  for (const comp of k.components ?? []) accumulate(own, path.join(dir, comp), "Component", root);
  generate(own, dir, k, label);
  if (k.namespace) {
    for (const { doc } of own) {
      if (!CLUSTER_SCOPED.has(doc.kind)) doc.metadata = { ...doc.metadata, namespace: k.namespace };
    }
  }
  patch(own, dir, k, label);
  if (kind === "Kustomization") items.push(...own);
}

/**
 * Renders dir/kustomization.yaml without kubectl. Returns [{doc, source, generated?}], the
 * sources named relative to labelRoot (default: dir).
 */
export function renderBuiltin(dir, labelRoot = dir) {
  const items = [];
  accumulate(items, path.resolve(dir), "Kustomization", path.resolve(labelRoot));
  return items;
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
