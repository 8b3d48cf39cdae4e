// What schemas cannot see: cross-references between objects and the services' contract.
// Each check takes the rendered manifests (a Manifests) and returns its errors (none = pass).
import * as C from "./contract.mjs";
import { selects, portMatches, idOf } from "./k8s-model.mjs";

const probesOf = (c) => [["readinessProbe", c.readinessProbe],
  ["livenessProbe", c.livenessProbe], ["startupProbe", c.startupProbe]].filter(([, p]) => p);

function serviceSelectors(m) {
  const errors = [];
  for (const svc of m.docs("Service")) {
    const ns = svc.metadata.namespace ?? "";
    const pods = m.workloads().filter((w) => w.ns === ns &&
      selects(svc.spec?.selector, w.template.metadata?.labels));
    if (pods.length === 0) {
      errors.push(`Service ${svc.metadata.name}: selector ${JSON.stringify(svc.spec?.selector)} ` +
        "matches no pod template");
    }
    for (const p of svc.spec?.ports ?? []) {
      const target = p.targetPort ?? p.port;
      for (const w of pods) {
        if (!w.template.spec.containers.some((c) => portMatches(target, c))) {
          errors.push(`Service ${svc.metadata.name} port ${p.port}: targetPort ${target} is no ` +
            `container port of ${idOf(w.owner)}`);
        }
      }
    }
  }
  for (const w of m.workloads()) {
    if (!selects(w.owner.spec?.selector?.matchLabels, w.template.metadata?.labels)) {
      errors.push(`${idOf(w.owner)}: spec.selector does not match its own pod template`);
    }
  }
  for (const kind of ["PodDisruptionBudget", "NetworkPolicy"]) {
    for (const d of m.docs(kind)) {
      const sel = d.spec?.selector?.matchLabels ?? d.spec?.podSelector?.matchLabels;
      if (!m.workloads().some((w) => selects(sel, w.template.metadata?.labels))) {
        errors.push(`${idOf(d)}: selector ${JSON.stringify(sel)} matches no pod template`);
      }
      for (const rule of d.spec?.ingress ?? []) {
        for (const from of rule.from ?? []) {
          const s = from.podSelector?.matchLabels;
          if (s && !m.workloads().some((w) => selects(s, w.template.metadata?.labels))) {
            errors.push(`${idOf(d)}: ingress from ${JSON.stringify(s)} matches no pod template`);
          }
        }
      }
    }
  }
  return errors;
}

function probePorts(m) {
  const errors = [];
  for (const { container: c, where } of m.containers()) {
    for (const [kind, probe] of probesOf(c)) {
      const port = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
      if (port !== undefined && !portMatches(port, c)) {
        errors.push(`${where}: ${kind} port ${port} is not a container port`);
      }
    }
  }
  return errors;
}

function keysOf(doc) {
  return new Set([...Object.keys(doc?.data ?? {}), ...Object.keys(doc?.stringData ?? {}),
    ...Object.keys(doc?.binaryData ?? {})]);
}

function envReferences(m) {
  const errors = [];
  const ref = (where, kind, name, key, ns, optional) => {
    const doc = m.find(kind, name, ns);
    if (!doc) {
      if (!optional) errors.push(`${where}: ${kind} ${name} does not exist`);
    } else if (key !== undefined && !keysOf(doc).has(key)) {
      errors.push(`${where}: ${kind} ${name} has no key ${key}`);
    }
  };
  for (const { container: c, where, ns } of m.containers()) {
    const defined = new Set();
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef) ref(`${where} envFrom`, "ConfigMap", e.configMapRef.name, undefined, ns, e.configMapRef.optional);
      if (e.secretRef) ref(`${where} envFrom`, "Secret", e.secretRef.name, undefined, ns, e.secretRef.optional);
      const src = e.configMapRef ? m.find("ConfigMap", e.configMapRef.name, ns)
        : m.find("Secret", e.secretRef?.name, ns);
      for (const k of keysOf(src)) defined.add(`${e.prefix ?? ""}${k}`);
    }
    for (const e of c.env ?? []) {
      const w = `${where} env ${e.name}`;
      const s = e.valueFrom?.secretKeyRef, cm = e.valueFrom?.configMapKeyRef;
      if (s) ref(w, "Secret", s.name, s.key, ns, s.optional);
      if (cm) ref(w, "ConfigMap", cm.name, cm.key, ns, cm.optional);
      // Kubernetes leaves an unknown $(VAR) as it is: a silent misconfiguration.
      for (const [, v] of String(e.value ?? "").matchAll(/(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
        if (!defined.has(v)) errors.push(`${w}: $(${v}) is not an env var defined before it`);
      }
      defined.add(e.name);
    }
  }
  for (const w of m.workloads()) {
    const claims = new Set((w.owner.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata.name));
    const names = new Set([...(w.template.spec?.volumes ?? []).map((v) => v.name), ...claims]);
    for (const c of w.template.spec?.containers ?? []) {
      for (const mount of c.volumeMounts ?? []) {
        if (!names.has(mount.name)) {
          errors.push(`${idOf(w.owner)} container ${c.name}: volumeMount ${mount.name} has no volume`);
        }
      }
    }
    for (const v of w.template.spec?.volumes ?? []) {
      const where = `${idOf(w.owner)} volume ${v.name}`;
      if (v.configMap) {
        ref(where, "ConfigMap", v.configMap.name, undefined, w.ns, v.configMap.optional);
        for (const it of v.configMap.items ?? []) ref(where, "ConfigMap", v.configMap.name, it.key, w.ns);
      }
      if (v.secret) {
        ref(where, "Secret", v.secret.secretName, undefined, w.ns, v.secret.optional);
        for (const it of v.secret.items ?? []) ref(where, "Secret", v.secret.secretName, it.key, w.ns);
      }
    }
  }
  return [...new Set(errors)];
}

function images(m, ctx) {
  const errors = [];
  const artifacts = new Map((ctx.skaffold?.build?.artifacts ?? []).map((a) => [a.image, a]));
  const used = new Set();
  for (const { container: c, where } of m.containers()) {
    const image = c.image ?? "";
    if (C.UPSTREAM_IMAGES.has(image)) continue;
    const match = new RegExp(`^${C.IMAGE_REPO}/([a-z0-9-]+)$`).exec(image);
    if (!match) {
      errors.push(`${where}: image ${image} is neither ${C.IMAGE_REPO}/<target> (tag set by ` +
        `skaffold) nor one of ${[...C.UPSTREAM_IMAGES].join(", ")}`);
      continue;
    }
    const target = match[1];
    used.add(image);
    if (!ctx.dockerTargets.has(target)) {
      errors.push(`${where}: image ${image} has no target "${target}" in ${C.DOCKERFILE}`);
    }
    const a = artifacts.get(image);
    if (!a) errors.push(`${where}: image ${image} is not built by skaffold.yaml`);
    else if (a.docker?.target !== target || a.docker?.dockerfile !== C.DOCKERFILE) {
      errors.push(`skaffold.yaml: ${image} must build ${C.DOCKERFILE} target ${target}`);
    }
    if (c.imagePullPolicy !== "IfNotPresent") {
      errors.push(`${where}: imagePullPolicy must be IfNotPresent (a locally built, untagged ` +
        "image would otherwise be pulled from a registry)");
    }
  }
  for (const image of artifacts.keys()) {
    if (!used.has(image)) errors.push(`skaffold.yaml: ${image} is built but used by no container`);
  }
  return errors;
}

/** ingress-nginx with use-regex: longest path first, first case-insensitive ^path match. */
export function routeNginx(paths, uri) {
  const sorted = [...paths].sort((a, b) => b.path.length - a.path.length);
  return sorted.find((p) => new RegExp(`^${p.path}`, "i").test(uri));
}

function ingress(m) {
  const errors = [];
  const all = m.docs("Ingress");
  if (all.length !== 1) return [`expected exactly 1 Ingress, found ${all.length}`];
  const ing = all[0];
  const I = C.INGRESS;
  if (ing.spec?.ingressClassName !== I.className) {
    errors.push(`ingressClassName is ${ing.spec?.ingressClassName}, want ${I.className}`);
  }
  for (const [k, v] of Object.entries(I.annotations)) {
    if (ing.metadata?.annotations?.[k] !== v) errors.push(`annotation ${k} must be "${v}"`);
  }
  const rules = ing.spec?.rules ?? [];
  if (rules.length !== 1 || rules[0].host !== I.host) {
    errors.push(`want exactly one rule, for host ${I.host}`);
    return errors;
  }
  const paths = (rules[0].http?.paths ?? []).map((p) => ({
    path: p.path, pathType: p.pathType, service: p.backend?.service?.name,
    port: p.backend?.service?.port?.number ?? p.backend?.service?.port?.name,
  }));
  const key = (p) => `${p.path} -> ${p.service}:${p.port}`;
  const want = new Set(I.paths.map(key));
  const allowed = new Set([...want, ...I.optional.map(key)]);
  for (const p of paths) {
    if (!allowed.has(key(p))) errors.push(`unexpected path ${key(p)}`);
    if (p.pathType !== I.pathType) errors.push(`path ${p.path}: pathType must be ${I.pathType}`);
    const svc = m.find("Service", p.service, ing.metadata.namespace);
    if (!svc && want.has(key(p))) errors.push(`path ${p.path}: Service ${p.service} does not exist`);
    if (svc && !(svc.spec.ports ?? []).some((sp) => sp.port === p.port || sp.name === p.port)) {
      errors.push(`path ${p.path}: Service ${p.service} has no port ${p.port}`);
    }
  }
  for (const k of want) if (!paths.some((p) => key(p) === k)) errors.push(`missing path ${k}`);
  for (const [uri, service] of I.routing) {
    const hit = routeNginx(paths, uri);
    if (hit?.service !== service) errors.push(`${uri} would go to ${hit?.service}, want ${service}`);
  }
  return errors;
}

function serviceDeployments(m) {
  const errors = [];
  const cfg = m.find("ConfigMap", "blog-config", C.NAMESPACE)?.data ?? {};
  const drainMs = Number(cfg.SHUTDOWN_TIMEOUT_MS ?? 10000);
  for (const [name, want] of Object.entries(C.SERVICES)) {
    const d = m.find("Deployment", name, C.NAMESPACE);
    if (!d) { errors.push(`Deployment ${name} is missing`); continue; }
    if (d.spec.replicas !== want.replicas) {
      errors.push(`Deployment ${name}: replicas ${d.spec.replicas}, want ${want.replicas}`);
    }
    const pod = d.spec.template.spec;
    const c = pod.containers.find((x) => x.name === name);
    if (!c) { errors.push(`Deployment ${name}: no container named ${name}`); continue; }
    if (!c.ports?.some((p) => p.containerPort === want.port)) {
      errors.push(`Deployment ${name}: no containerPort ${want.port}`);
    }
    const env = new Map((c.env ?? []).map((e) => [e.name, e]));
    if (env.get("PORT")?.value !== String(want.port)) errors.push(`${name}: env PORT must be "${want.port}"`);
    const fromMaps = new Set((c.envFrom ?? []).flatMap((e) =>
      [...keysOf(m.find(e.configMapRef ? "ConfigMap" : "Secret",
        e.configMapRef?.name ?? e.secretRef?.name, C.NAMESPACE))]));
    for (const v of C.REQUIRED_ENV) {
      if (!env.has(v) && !fromMaps.has(v)) errors.push(`${name}: env ${v} is not set`);
    }
    const url = env.get("DATABASE_URL")?.value ?? "";
    const u = /^postgresql:\/\/([^:@]+):([^@]*)@([^:/]+):(\d+)\/([^?]+)/.exec(url);
    if (!u || u[1] !== name || u[3] !== `${name}-db` || u[5] !== name) {
      errors.push(`${name}: DATABASE_URL must be postgresql://${name}:…@${name}-db:5432/${name}`);
    } else {
      const pw = /^\$\((\w+)\)$/.exec(u[2]);
      const pwRef = pw && env.get(pw[1])?.valueFrom?.secretKeyRef;
      if (pwRef?.name !== `${name}-db`) {
        errors.push(`${name}: the DATABASE_URL password must come from Secret ${name}-db`);
      }
      const dbSvc = m.find("Service", `${name}-db`, C.NAMESPACE);
      if (!dbSvc?.spec.ports?.some((p) => p.port === Number(u[4]))) {
        errors.push(`${name}: Service ${name}-db has no port ${u[4]}`);
      }
      const db = m.find("StatefulSet", `${name}-db`, C.NAMESPACE);
      const dbEnv = db?.spec.template.spec.containers[0].env ?? [];
      if (dbEnv.find((e) => e.name === "APP_DB")?.value !== name) {
        errors.push(`StatefulSet ${name}-db must create database ${name} (APP_DB)`);
      }
    }
    if (c.readinessProbe?.httpGet?.path !== "/readyz") errors.push(`${name}: readinessProbe must GET /readyz`);
    if (c.livenessProbe?.httpGet?.path !== "/healthz") errors.push(`${name}: livenessProbe must GET /healthz`);
    if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory) {
      errors.push(`${name}: resources need requests.cpu, requests.memory and limits.memory`);
    }
    const preStop = c.lifecycle?.preStop?.exec?.command ?? [];
    const sleepS = preStop[0] === "sleep" ? Number(preStop[1]) : 0;
    if (sleepS > C.PRESTOP_BUDGET_S) errors.push(`${name}: preStop sleeps longer than ${C.PRESTOP_BUDGET_S}s`);
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    if (grace * 1000 <= drainMs + sleepS * 1000 + 5000) {
      errors.push(`${name}: terminationGracePeriodSeconds ${grace} must exceed preStop ${sleepS}s + ` +
        `drain ${drainMs}ms + 5s margin`);
    }
    if (!m.docs("Service").some((s) => s.spec?.type !== "NodePort" && s.metadata.name === name &&
      s.spec?.ports?.some((p) => p.port === want.port))) {
      errors.push(`${name}: no ClusterIP Service ${name} on port ${want.port}`);
    }
  }
  const np = m.docs("Service").filter((s) => s.spec?.type === "NodePort");
  if (!np.some((s) => s.spec.selector?.["app.kubernetes.io/name"] === "posts" &&
    s.spec.ports.some((p) => p.nodePort >= 30000 && p.nodePort <= 32767))) {
    errors.push("no NodePort Service (port 30000-32767) for posts");
  }
  return errors;
}

function natsCluster(m, ctx) {
  const errors = [];
  const sts = m.find("StatefulSet", "nats", C.NAMESPACE);
  if (!sts) return ["StatefulSet nats is missing"];
  if (sts.spec.replicas !== C.NATS_REPLICAS) errors.push(`nats: replicas must be ${C.NATS_REPLICAS}`);
  const headless = m.find("Service", sts.spec.serviceName, C.NAMESPACE);
  if (headless?.spec?.clusterIP !== "None") {
    errors.push(`nats: serviceName ${sts.spec.serviceName} must be a headless Service`);
  }
  if (!sts.spec.volumeClaimTemplates?.length) errors.push("nats: needs a volumeClaimTemplate");
  const conf = ctx.natsConf ?? "";
  const routes = [...conf.matchAll(/nats:\/\/([a-z0-9.-]+):6222/g)].map((x) => x[1]).sort();
  const want = Array.from({ length: sts.spec.replicas }, (_, i) => `nats-${i}.${sts.spec.serviceName}`);
  if (JSON.stringify(routes) !== JSON.stringify(want)) {
    errors.push(`nats.conf routes ${routes.join(",")} must be ${want.join(",")}`);
  }
  const cfg = m.find("ConfigMap", "blog-config", C.NAMESPACE)?.data ?? {};
  if (Number(cfg.STREAM_REPLICAS) !== sts.spec.replicas) {
    errors.push(`blog-config STREAM_REPLICAS ${cfg.STREAM_REPLICAS} must equal the NATS replicas`);
  }
  const host = /^nats:\/\/([^:,]+):4222$/.exec(cfg.NATS_URL ?? "")?.[1];
  const client = host && m.find("Service", host, C.NAMESPACE);
  if (!client || !selects(client.spec.selector, sts.spec.template.metadata.labels)) {
    errors.push(`NATS_URL ${cfg.NATS_URL} must name a Service of the nats pods on port 4222`);
  }
  return errors;
}

function statefulSets(m) {
  const errors = [];
  for (const s of m.docs("StatefulSet")) {
    const svc = m.find("Service", s.spec.serviceName, s.metadata.namespace);
    if (!svc) errors.push(`${idOf(s)}: serviceName ${s.spec.serviceName} does not exist`);
    else if (!selects(svc.spec.selector, s.spec.template.metadata.labels)) {
      errors.push(`${idOf(s)}: Service ${svc.metadata.name} does not select its pods`);
    }
  }
  for (const name of Object.keys(C.SERVICES)) {
    const np = m.find("NetworkPolicy", `${name}-db`, C.NAMESPACE);
    const from = np?.spec?.ingress?.flatMap((r) => r.from ?? []) ?? [];
    if (!np || !selects(np.spec.podSelector.matchLabels, { "app.kubernetes.io/name": `${name}-db` }) ||
      from.length !== 1 || from[0].podSelector?.matchLabels?.["app.kubernetes.io/name"] !== name) {
      errors.push(`NetworkPolicy ${name}-db must admit only the ${name} pods to ${name}-db`);
    }
  }
  return errors;
}

/** The namespace enforces Pod Security "restricted": every pod must satisfy it. */
function podSecurity(m) {
  const errors = [];
  for (const w of m.workloads()) {
    const pod = w.template.spec ?? {};
    if (pod.securityContext?.runAsNonRoot !== true) errors.push(`${idOf(w.owner)}: runAsNonRoot`);
    if (pod.securityContext?.seccompProfile?.type !== "RuntimeDefault") {
      errors.push(`${idOf(w.owner)}: seccompProfile RuntimeDefault`);
    }
    for (const c of pod.containers ?? []) {
      const sc = c.securityContext ?? {};
      if (sc.allowPrivilegeEscalation !== false || !(sc.capabilities?.drop ?? []).includes("ALL")) {
        errors.push(`${idOf(w.owner)} container ${c.name}: allowPrivilegeEscalation false, drop ALL`);
      }
    }
  }
  const ns = m.find("Namespace", C.NAMESPACE);
  if (!ns) errors.push(`Namespace ${C.NAMESPACE} is missing`);
  for (const d of m.docs()) {
    if (d.kind !== "Namespace" && d.metadata?.namespace !== C.NAMESPACE) {
      errors.push(`${idOf(d)} is not in namespace ${C.NAMESPACE}`);
    }
  }
  const seen = new Set();
  for (const d of m.docs()) {
    const id = `${idOf(d)} ${d.metadata?.namespace}`;
    if (seen.has(id)) errors.push(`${idOf(d)} is defined twice`);
    seen.add(id);
  }
  return errors;
}

export const SEMANTIC_CHECKS = [
  ["services, PDBs and NetworkPolicies select existing pods on container ports", serviceSelectors],
  ["probe ports are container ports", probePorts],
  ["env, envFrom and volumes refer to existing ConfigMap/Secret keys", envReferences],
  ["images match Dockerfile targets and skaffold artifacts", images],
  ["ingress routes posts.com exactly as the course's client expects", ingress],
  ["service Deployments follow the contract (ports, env, probes, grace, DB)", serviceDeployments],
  ["NATS is a 3-node JetStream cluster the services reach", natsCluster],
  ["StatefulSets have their Services; each DB admits only its service", statefulSets],
  ["pods meet Pod Security restricted; one namespace; unique names", podSecurity],
];
