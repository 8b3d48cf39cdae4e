// The deployable shapes of contract.mjs SHAPES, rendered and summed up: each shape is one
// or more kustomizations applied together (k8s/, k8s/overlays/...), rendered by the
// built-in renderer and, when kubectl is installed, compared with `kubectl kustomize`.
import { readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import * as C from "./contract.mjs";
import { renderBuiltin, renderKubectl, unhash, diffRenderings, idOf } from "./render.mjs";
import { quantity } from "./resilience.mjs";

/**
 * Renders one kustomization directory of a shape: {items, errors} from the built-in
 * renderer, then (when kubectl is present) kubectl's rendering less the name hashes, with
 * the built-in sources kept for messages; kubectlDiff is null without kubectl.
 */
export function renderDir(root, dir) {
  const builtin = renderBuiltin(path.join(root, dir), path.join(root, "k8s"));
  const rendered = renderKubectl(path.join(root, dir));
  if (rendered === null) return { items: builtin, kubectlDiff: null };
  const generators = new Set(builtin.filter((i) => i.generated).map((i) => i.doc.metadata.name));
  const plain = unhash(rendered, generators);
  const sources = new Map(builtin.map((i) => [idOf(i.doc), i.source]));
  return { items: plain.map((doc) => ({ doc, source: sources.get(idOf(doc)) ?? `kubectl ${dir}` })),
    kubectlDiff: diffRenderings(builtin.map((i) => i.doc), plain) };
}

/**
 * The namespace file (applied once, on its own): exactly one Namespace, enforcing Pod
 * Security "restricted", and no kustomization of any shape lists it.
 */
export function namespaceFile(root) {
  const errors = [];
  const docs = YAML.parseAllDocuments(readFileSync(path.join(root, C.NAMESPACE_FILE), "utf8"))
    .map((d) => d.toJS()).filter(Boolean);
  const ns = docs[0];
  if (docs.length !== 1 || ns?.kind !== "Namespace" || ns.metadata?.name !== C.NAMESPACE) {
    errors.push(`${C.NAMESPACE_FILE} must hold exactly the Namespace ${C.NAMESPACE}`);
  } else if (ns.metadata.labels?.["pod-security.kubernetes.io/enforce"] !== "restricted") {
    errors.push(`${C.NAMESPACE_FILE}: must enforce Pod Security "restricted"`);
  }
  return errors;
}

/** CPU (cores) and memory (bytes) requested by a shape: every replica of every pod. */
export function requestedResources(docs) {
  let cpu = 0, memory = 0, limits = 0;
  const add = (res, n) => {
    cpu += n * (quantity(res?.requests?.cpu) || 0);
    memory += n * (quantity(res?.requests?.memory) || 0);
    limits += n * (quantity(res?.limits?.memory) || 0);
  };
  for (const d of docs) {
    const pod = d.spec?.template?.spec;
    if (pod && ["Deployment", "StatefulSet"].includes(d.kind)) {
      for (const c of pod.containers ?? []) add(c.resources, d.spec.replicas ?? 1);
    }
    if (d.kind === "Cluster") add(d.spec?.resources, d.spec?.instances ?? 1);
  }
  return { cpu, memory, limits };
}

export function describeResources({ cpu, memory, limits }) {
  const gib = (b) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  return `requests ${cpu.toFixed(2)} CPU and ${gib(memory)} memory; memory limits ${gib(limits)}`;
}
