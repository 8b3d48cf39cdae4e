// Read-only helpers over a rendered list of Kubernetes objects ({doc, source}), plus what
// operators make from them at run time, which the checks must know to judge the rest:
// CloudNativePG's instance pods and Secrets of each Cluster, cert-manager's HTTP-01 solver
// pod of an Ingress that asks cert-manager for a certificate, and Secrets the deployer
// provides (a shape's externalSecrets in contract.mjs).

// CloudNativePG instance pods: their labels (besides spec.inheritedMetadata.labels) and ports.
const CNPG_POD_PORTS = [{ name: "postgresql", containerPort: 5432 },
  { name: "status", containerPort: 8000 }, { name: "metrics", containerPort: 9187 }];
// Secrets CloudNativePG makes for a Cluster, by suffix, with their keys.
const CNPG_SECRETS = { "-ca": ["ca.crt", "ca.key"], "-server": ["tls.crt", "tls.key"],
  "-replication": ["tls.crt", "tls.key"] };
export const ACME_SOLVER_LABELS = { "acme.cert-manager.io/http01-solver": "true" };

export class Manifests {
  /** externalSecrets: {name: [keys]} that exist in the cluster without being rendered. */
  constructor(items, { externalSecrets = {} } = {}) {
    this.items = items;
    const ns = (d) => d.metadata?.namespace;
    this.external = Object.entries(externalSecrets).map(([name, keys]) =>
      secretDoc(name, ns(items.find((i) => ns(i.doc))?.doc ?? {}), keys));
    for (const c of this.docs("Cluster")) {
      for (const [suffix, keys] of Object.entries(CNPG_SECRETS)) {
        this.external.push(secretDoc(`${c.metadata.name}${suffix}`, ns(c), keys));
      }
    }
  }

  docs(kind) {
    return this.items.filter((i) => !kind || i.doc.kind === kind).map((i) => i.doc);
  }

  /** A rendered object, or a Secret that an operator or the deployer provides. */
  find(kind, name, namespace) {
    const match = (d) => d.kind === kind && d.metadata?.name === name &&
      (namespace === undefined || (d.metadata?.namespace ?? "") === (namespace ?? ""));
    return this.docs().find(match) ?? this.external.find(match);
  }

  /** Deployments and StatefulSets, as {owner, template, ns}. */
  workloads() {
    return this.docs().filter((d) => ["Deployment", "StatefulSet", "DaemonSet", "Job"]
      .includes(d.kind)).map((d) => ({ owner: d, template: d.spec?.template ?? {},
      ns: d.metadata?.namespace ?? "" }));
  }

  /** Pods operators start from rendered objects, shaped like workloads (managed: true). */
  managedPods() {
    const pods = this.docs("Cluster").map((c) => ({
      owner: c, ns: c.metadata?.namespace ?? "", managed: "CloudNativePG",
      template: { metadata: { labels: { ...(c.spec?.inheritedMetadata?.labels ?? {}),
        "cnpg.io/cluster": c.metadata.name, "cnpg.io/podRole": "instance" } },
      spec: { containers: [{ name: "postgres", ports: CNPG_POD_PORTS }] } },
    }));
    for (const ing of this.docs("Ingress")) {
      if (!ing.metadata?.annotations?.["cert-manager.io/cluster-issuer"] &&
        !ing.metadata?.annotations?.["cert-manager.io/issuer"]) continue;
      pods.push({ owner: { kind: "Pod", metadata: { name: "cm-acme-http-solver" } },
        ns: ing.metadata?.namespace ?? "", managed: "cert-manager",
        template: { metadata: { labels: { ...ACME_SOLVER_LABELS } },
          spec: { containers: [{ name: "acmesolver", ports: [{ name: "http", containerPort: 8089 }] }] } } });
    }
    return pods;
  }

  /** Every pod template: the workloads' and the operators'. */
  pods() {
    return [...this.workloads(), ...this.managedPods()];
  }

  /** Every container of every pod template, with its workload. */
  containers() {
    return this.workloads().flatMap((w) =>
      [...(w.template.spec?.initContainers ?? []), ...(w.template.spec?.containers ?? [])]
        .map((c) => ({ ...w, container: c, where: `${w.owner.kind} ${w.owner.metadata.name} ` +
          `container ${c.name}` })));
  }
}

function secretDoc(name, namespace, keys) {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace },
    data: Object.fromEntries(keys.map((k) => [k, ""])), provided: true };
}

/** True if every key/value of selector is in labels (an empty selector matches nothing). */
export function selects(selector, labels) {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

/** True if a probe/Service port (number or name) is one of the container's ports. */
export function portMatches(port, container) {
  return (container.ports ?? []).some((p) =>
    (typeof port === "number" ? p.containerPort === port : p.name === port));
}

export function idOf(doc) {
  return `${doc.kind} ${doc.metadata?.name}`;
}

/** The files of the ConfigMap that holds nats.conf (nats.conf and what it includes). */
export function natsFilesOf(m) {
  return m.docs("ConfigMap").find((d) => d.data?.["nats.conf"] !== undefined)?.data ?? {};
}

/**
 * Which Secret key a file path of container c holds, through its volumeMounts and the
 * pod's secret volumes: {secret, key}, or null.
 */
export function mountedSecretKey(m, c, file) {
  const pod = m.workloads().find((w) => w.template.spec?.containers?.includes(c))?.template.spec;
  for (const vm of c.volumeMounts ?? []) {
    if (!file.startsWith(`${vm.mountPath}/`)) continue;
    const rel = file.slice(vm.mountPath.length + 1);
    const vol = pod?.volumes?.find((v) => v.name === vm.name)?.secret;
    if (!vol) return null;
    const item = vol.items ? vol.items.find((i) => i.path === rel) : { key: rel };
    return item ? { secret: vol.secretName, key: item.key } : null;
  }
  return null;
}
