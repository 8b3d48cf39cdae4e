// The kind cluster configurations of deploy/kind/: what deploy/README.md relies on. The
// node that ingress-nginx runs on (label ingress-ready=true) maps host ports 80 and 443,
// and a configuration for a shape has enough schedulable nodes for its spread rules.
import { readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";

const FIELDS = { top: new Set(["kind", "apiVersion", "name", "nodes", "networking"]),
  node: new Set(["role", "image", "labels", "extraPortMappings", "extraMounts", "kubeadmConfigPatches"]) };

/** Errors of deploy/kind/FILE; workers: how many worker nodes the shape needs. */
export function kindConfig(root, file, workers) {
  const errors = [];
  const cfg = YAML.parse(readFileSync(path.join(root, "deploy", "kind", file), "utf8"));
  if (cfg?.kind !== "Cluster" || cfg.apiVersion !== "kind.x-k8s.io/v1alpha4") {
    return [`${file}: must be kind: Cluster, apiVersion: kind.x-k8s.io/v1alpha4`];
  }
  for (const k of Object.keys(cfg)) if (!FIELDS.top.has(k)) errors.push(`${file}: unknown field ${k}`);
  const nodes = cfg.nodes ?? [];
  for (const n of nodes) {
    for (const k of Object.keys(n)) if (!FIELDS.node.has(k)) errors.push(`${file}: node field ${k} unknown`);
  }
  const ingress = nodes.filter((n) => n.labels?.["ingress-ready"] === "true");
  if (ingress.length !== 1) errors.push(`${file}: exactly one node needs the label ingress-ready: "true"`);
  const ports = new Set((ingress[0]?.extraPortMappings ?? [])
    .filter((p) => p.containerPort === p.hostPort && (p.protocol ?? "TCP") === "TCP").map((p) => p.hostPort));
  for (const p of [80, 443]) if (!ports.has(p)) errors.push(`${file}: the ingress-ready node must map port ${p} to the host`);
  const have = nodes.filter((n) => n.role === "worker").length;
  if (have !== workers) errors.push(`${file}: ${have} worker nodes, the shape needs ${workers}`);
  if (nodes.filter((n) => n.role === "control-plane").length !== 1) errors.push(`${file}: one control-plane node`);
  return errors;
}
