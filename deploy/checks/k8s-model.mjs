// Read-only helpers over a rendered list of Kubernetes objects ({doc, source}).
export class Manifests {
  constructor(items) {
    this.items = items;
  }

  docs(kind) {
    return this.items.filter((i) => !kind || i.doc.kind === kind).map((i) => i.doc);
  }

  find(kind, name, namespace) {
    return this.docs(kind).find((d) => d.metadata?.name === name &&
      (namespace === undefined || (d.metadata?.namespace ?? "") === (namespace ?? "")));
  }

  /** Deployments and StatefulSets, as {owner, template, ns}. */
  workloads() {
    return this.docs().filter((d) => ["Deployment", "StatefulSet", "DaemonSet", "Job"]
      .includes(d.kind)).map((d) => ({ owner: d, template: d.spec?.template ?? {},
      ns: d.metadata?.namespace ?? "" }));
  }

  /** Every container of every pod template, with its workload. */
  containers() {
    return this.workloads().flatMap((w) =>
      [...(w.template.spec?.initContainers ?? []), ...(w.template.spec?.containers ?? [])]
        .map((c) => ({ ...w, container: c, where: `${w.owner.kind} ${w.owner.metadata.name} ` +
          `container ${c.name}` })));
  }
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
