// What schemas cannot see: cross-references between objects and the services' contract.
// Each check takes the rendered manifests (a Manifests) and returns its errors (none = pass).
import * as C from "./contract.mjs";
import { selects, portMatches, idOf, mountedSecretKey, natsFilesOf } from "./k8s-model.mjs";
import { labelSelectorMatches, connectionAllowed } from "./netpol.mjs";
import { parseNatsFiles } from "./natsconf.mjs";
import { RESILIENCE_CHECKS } from "./resilience.mjs";
import { TLS_CHECKS } from "./tls.mjs";

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
  for (const d of m.docs("PodDisruptionBudget")) {
    const sel = d.spec?.selector?.matchLabels;
    if (!m.pods().some((w) => selects(sel, w.template.metadata?.labels))) {
      errors.push(`${idOf(d)}: selector ${JSON.stringify(sel)} matches no pod template`);
    }
  }
  // NetworkPolicy: an empty podSelector is every pod (default deny); any other selector, and
  // every peer selector within the namespace, must match a pod template (a typo would
  // silently allow or deny nothing).
  const anyPod = (sel) => m.pods().some((w) => labelSelectorMatches(sel, w.template.metadata?.labels));
  for (const d of m.docs("NetworkPolicy")) {
    const sel = d.spec?.podSelector ?? {};
    if (Object.keys(sel).length && !anyPod(sel)) {
      errors.push(`${idOf(d)}: podSelector ${JSON.stringify(sel)} matches no pod template`);
    }
    for (const [dir, key] of [["ingress", "from"], ["egress", "to"]]) {
      for (const rule of d.spec?.[dir] ?? []) {
        for (const peer of rule[key] ?? []) {
          if (peer.podSelector && !peer.namespaceSelector && !anyPod(peer.podSelector)) {
            errors.push(`${idOf(d)}: ${dir} ${key} ${JSON.stringify(peer.podSelector)} matches no pod template`);
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

/**
 * ingress-nginx with use-regex: its locations sorted as the controller sorts them (by path
 * descending as a string, then stably by length descending: longer paths first, and of
 * equal length the greater string first), then the first case-insensitive ^path match.
 */
export function routeNginx(paths, uri) {
  const sorted = [...paths].sort((a, b) => (a.path > b.path ? -1 : a.path < b.path ? 1 : 0))
    .sort((a, b) => b.path.length - a.path.length);
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

function serviceDeployments(m, ctx) {
  const errors = [];
  const cfg = m.find("ConfigMap", "blog-config", C.NAMESPACE)?.data ?? {};
  const drainMs = Number(cfg.SHUTDOWN_TIMEOUT_MS ?? 10000);
  for (const [name, want] of Object.entries(C.SERVICES)) {
    const d = m.find("Deployment", name, C.NAMESPACE);
    if (!d) { errors.push(`Deployment ${name} is missing`); continue; }
    if (d.spec.replicas !== ctx.shape.replicas[name]) {
      errors.push(`Deployment ${name}: replicas ${d.spec.replicas}, want ${ctx.shape.replicas[name]}`);
    }
    const pod = d.spec.template.spec;
    const c = pod.containers.find((x) => x.name === name);
    if (!c) { errors.push(`Deployment ${name}: no container named ${name}`); continue; }
    if (!c.ports?.some((p) => p.containerPort === want.port)) {
      errors.push(`Deployment ${name}: no containerPort ${want.port}`);
    }
    const env = new Map((c.env ?? []).map((e) => [e.name, e]));
    if (env.get("PORT")?.value !== String(want.port)) errors.push(`${name}: env PORT must be "${want.port}"`);
    // Metrics on a port of their own (docs/metrics.md), named for the ServiceMonitor.
    if (!c.ports?.some((p) => p.name === "metrics" && p.containerPort === C.METRICS_PORT)) {
      errors.push(`Deployment ${name}: no containerPort "metrics" ${C.METRICS_PORT}`);
    }
    if (env.get("METRICS_PORT")?.value !== String(C.METRICS_PORT)) {
      errors.push(`${name}: env METRICS_PORT must be "${C.METRICS_PORT}"`);
    }
    const svc = m.find("Service", name, C.NAMESPACE);
    if (!svc?.spec?.ports?.some((p) => p.name === "metrics" && p.targetPort === "metrics")) {
      errors.push(`Service ${name}: no port "metrics" to the container's metrics port`);
    }
    const fromMaps = new Set((c.envFrom ?? []).flatMap((e) =>
      [...keysOf(m.find(e.configMapRef ? "ConfigMap" : "Secret",
        e.configMapRef?.name ?? e.secretRef?.name, C.NAMESPACE))]));
    for (const v of C.REQUIRED_ENV) {
      if (!env.has(v) && !fromMaps.has(v)) errors.push(`${name}: env ${v} is not set`);
    }
    errors.push(...databaseUrl(m, ctx.shape, name, c, env));
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
  // The only way in is the Ingress: a NodePort or LoadBalancer would bypass it (and, with
  // some CNIs, the NetworkPolicies). For a look from outside: kubectl port-forward.
  for (const svc of m.docs("Service")) {
    if (["NodePort", "LoadBalancer"].includes(svc.spec?.type)) {
      errors.push(`Service ${svc.metadata.name} is a ${svc.spec.type}: traffic must come through the Ingress`);
    }
  }
  return errors;
}

/**
 * The service's DATABASE_URL reaches its own database as its own role, with the password
 * of the Secret the database was created with: the base's StatefulSet <service>-db (Secret
 * <service>-db, APP_PASSWORD), or under CloudNativePG the cluster's read-write Service
 * <service>-db-rw (Secret <service>-db-app, the bootstrap's owner), over TLS verified
 * against the cluster's CA (Secret <service>-db-ca, mounted).
 */
function databaseUrl(m, shape, name, c, env) {
  const errors = [];
  const cnpg = shape.postgres === "cnpg";
  const host = cnpg ? `${name}-db-rw` : `${name}-db`;
  const url = env.get("DATABASE_URL")?.value ?? "";
  const u = /^postgresql:\/\/([^:@]+):([^@]*)@([^:/]+):(\d+)\/([^?]+)(?:\?(.*))?$/.exec(url);
  if (!u || u[1] !== name || u[3] !== host || u[4] !== "5432" || u[5] !== name) {
    return [`${name}: DATABASE_URL must be postgresql://${name}:…@${host}:5432/${name}`];
  }
  const pw = /^\$\((\w+)\)$/.exec(u[2]);
  const pwRef = pw && env.get(pw[1])?.valueFrom?.secretKeyRef;
  const secret = cnpg ? `${name}-db-app` : `${name}-db`;
  const key = cnpg ? "password" : "APP_PASSWORD";
  if (pwRef?.name !== secret || pwRef?.key !== key) {
    errors.push(`${name}: the DATABASE_URL password must be $(VAR) from Secret ${secret} key ${key}`);
  }
  if (!cnpg) {
    const dbSvc = m.find("Service", host, C.NAMESPACE);
    if (!dbSvc?.spec.ports?.some((p) => p.port === Number(u[4]))) errors.push(`${name}: Service ${host} has no port ${u[4]}`);
    const db = m.find("StatefulSet", `${name}-db`, C.NAMESPACE);
    const dbEnv = db?.spec.template.spec.containers[0].env ?? [];
    if (dbEnv.find((e) => e.name === "APP_DB")?.value !== name) {
      errors.push(`StatefulSet ${name}-db must create database ${name} (APP_DB)`);
    }
    return errors;
  }
  if (!m.find("Cluster", `${name}-db`, C.NAMESPACE)) errors.push(`${name}: no CloudNativePG Cluster ${name}-db`);
  const params = new URLSearchParams(u[6] ?? "");
  const rootcert = params.get("sslrootcert") ?? "";
  if (params.get("sslmode") !== "verify-full" || !rootcert) {
    errors.push(`${name}: DATABASE_URL must verify the server (sslmode=verify-full, sslrootcert=…)`);
  } else if (mountedSecretKey(m, c, rootcert)?.secret !== `${name}-db-ca` ||
    mountedSecretKey(m, c, rootcert)?.key !== "ca.crt") {
    errors.push(`${name}: sslrootcert ${rootcert} must be ca.crt of Secret ${name}-db-ca, mounted`);
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
  // Routes: the nodes log in as the route user; the URLs (with the password, which a config
  // string cannot reference) come from the env var nats.conf names.
  let conf = {};
  try { conf = parseNatsFiles(natsFilesOf(m), "nats.conf"); } catch (e) { errors.push(e.message); }
  const cl = conf.cluster ?? {};
  const env = natsEnv(sts);
  const routeAuth = cl.authorization ?? {};
  const pwVar = routeAuth.password?.$var;
  if (routeAuth.user !== C.NATS_ROUTE_USER || !pwVar) {
    errors.push(`nats.conf cluster.authorization must be user ${C.NATS_ROUTE_USER} with a $VARIABLE password`);
  } else if (!env.get(pwVar)?.valueFrom?.secretKeyRef) {
    errors.push(`nats: env ${pwVar} (the route password) must come from a Secret`);
  }
  let routes = cl.routes;
  if (routes?.$var) {
    const text = env.get(routes.$var)?.value;
    if (text === undefined) errors.push(`nats: env ${routes.$var} (cluster.routes) is not set`);
    routes = /^\[(.*)\]$/s.exec(text?.trim() ?? "")?.[1].split(",").map((r) => r.trim()).filter(Boolean) ?? [];
  }
  const hosts = [];
  for (const r of Array.isArray(routes) ? routes : []) {
    const u = /^nats(?:-route)?:\/\/([^:@/]+):([^@/]+)@([a-z0-9.-]+):6222$/.exec(r);
    if (!u || u[1] !== C.NATS_ROUTE_USER || u[2] !== `$(${pwVar})`) {
      errors.push(`nats route ${r} must be nats://${C.NATS_ROUTE_USER}:$(${pwVar})@HOST:6222`);
    } else {
      hosts.push(u[3]);
    }
  }
  const want = Array.from({ length: sts.spec.replicas }, (_, i) => `nats-${i}.${sts.spec.serviceName}`);
  if (JSON.stringify(hosts.sort()) !== JSON.stringify(want)) {
    errors.push(`nats routes go to ${hosts.join(",")}, must be ${want.join(",")}`);
  }
  const cfg = m.find("ConfigMap", "blog-config", C.NAMESPACE)?.data ?? {};
  if (Number(cfg.STREAM_REPLICAS) !== sts.spec.replicas) {
    errors.push(`blog-config STREAM_REPLICAS ${cfg.STREAM_REPLICAS} must equal the NATS replicas`);
  }
  const host = /^(?:nats|tls):\/\/([^:,]+):4222$/.exec(cfg.NATS_URL ?? "")?.[1];
  const client = host && m.find("Service", host, C.NAMESPACE);
  if (!client || !selects(client.spec.selector, sts.spec.template.metadata.labels)) {
    errors.push(`NATS_URL ${cfg.NATS_URL} must name a Service of the nats pods on port 4222`);
  }
  return errors;
}

function statefulSets(m, ctx) {
  const errors = [];
  for (const s of m.docs("StatefulSet")) {
    const svc = m.find("Service", s.spec.serviceName, s.metadata.namespace);
    if (!svc) errors.push(`${idOf(s)}: serviceName ${s.spec.serviceName} does not exist`);
    else if (!selects(svc.spec.selector, s.spec.template.metadata.labels)) {
      errors.push(`${idOf(s)}: Service ${svc.metadata.name} does not select its pods`);
    }
  }
  // Database per service, by the network too: of the namespace's pods only the service's
  // own (and, under CloudNativePG, the database's own instances) reach its PostgreSQL.
  const policies = m.docs("NetworkPolicy");
  const peers = networkPeers(m).filter((p) => p.namespace === C.NAMESPACE);
  for (const name of Object.keys(C.SERVICES)) {
    const dbs = peers.filter((p) => p.name === `${name}-db`);
    if (!dbs.length) errors.push(`no pod of ${name}-db`);
    for (const db of dbs) {
      for (const from of peers) {
        const allowed = connectionAllowed(policies, from, db, 5432, "TCP");
        const want = from.name === name || (ctx.shape.postgres === "cnpg" && from.name === `${name}-db`);
        if (allowed !== want) {
          errors.push(`${from.name} ${allowed ? "may" : "may not"} reach ${name}-db:5432`);
        }
      }
    }
  }
  return [...new Set(errors)];
}

/**
 * The namespace enforces Pod Security "restricted", and issue 8 asks more of every
 * container: non-root, read-only root filesystem, no capabilities, seccomp RuntimeDefault,
 * nothing of the host, no service account token.
 */
function podSecurity(m) {
  const errors = [];
  for (const w of m.workloads()) {
    const pod = w.template.spec ?? {};
    const psc = pod.securityContext ?? {};
    const id = idOf(w.owner);
    for (const f of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[f]) errors.push(`${id}: ${f}`);
    if (pod.automountServiceAccountToken !== false) {
      errors.push(`${id}: automountServiceAccountToken must be false (no pod talks to the API server)`);
    }
    for (const v of pod.volumes ?? []) if (v.hostPath) errors.push(`${id}: hostPath volume ${v.name}`);
    for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      const sc = c.securityContext ?? {};
      const where = `${id} container ${c.name}`;
      if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) errors.push(`${where}: runAsNonRoot`);
      if ((sc.runAsUser ?? psc.runAsUser) === 0) errors.push(`${where}: runAsUser 0`);
      if ((sc.seccompProfile ?? psc.seccompProfile)?.type !== "RuntimeDefault") {
        errors.push(`${where}: seccompProfile RuntimeDefault`);
      }
      if (sc.allowPrivilegeEscalation !== false || !(sc.capabilities?.drop ?? []).includes("ALL")) {
        errors.push(`${where}: allowPrivilegeEscalation false, drop ALL`);
      }
      if ((sc.capabilities?.add ?? []).length) errors.push(`${where}: adds capabilities ${sc.capabilities.add}`);
      if (sc.privileged) errors.push(`${where}: privileged`);
      if (sc.readOnlyRootFilesystem !== true) errors.push(`${where}: readOnlyRootFilesystem`);
      for (const p of c.ports ?? []) if (p.hostPort) errors.push(`${where}: hostPort ${p.hostPort}`);
    }
  }
  for (const d of m.docs()) {
    if (d.metadata?.namespace !== C.NAMESPACE) {
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



/** Env of the nats container of the NATS StatefulSet, by name. */
function natsEnv(sts) {
  const c = sts?.spec?.template?.spec?.containers?.find((x) => x.name === "nats") ??
    sts?.spec?.template?.spec?.containers?.[0];
  return new Map((c?.env ?? []).map((e) => [e.name, e]));
}

/** The decoded value of a Secret key, or undefined. */
function secretValue(m, name, key) {
  const doc = m.find("Secret", name, C.NAMESPACE);
  if (doc?.stringData?.[key] !== undefined) return doc.stringData[key];
  const b64 = doc?.data?.[key];
  return b64 === undefined ? undefined : Buffer.from(b64, "base64").toString("utf8");
}

/** {publish, subscribe} allow lists of a user's permissions; null if it has a deny list. */
function allowLists(perms) {
  const list = (x) => (Array.isArray(x) ? x : typeof x === "string" ? [x] : x?.allow ?? []);
  const denies = ["publish", "subscribe"].some((k) => perms?.[k]?.deny !== undefined);
  const extra = Object.keys(perms ?? {}).filter((k) => !["publish", "subscribe"].includes(k));
  return { publish: list(perms?.publish).map(String), subscribe: list(perms?.subscribe).map(String),
    denies, extra };
}

function sameSet(a, b) {
  const missing = b.filter((x) => !a.includes(x));
  const extra = a.filter((x) => !b.includes(x));
  return { missing, extra, equal: !missing.length && !extra.length };
}

/**
 * NATS least privilege (issue 8): no anonymous access; the users are admin plus one per
 * service; each service user may do exactly what the contract (and scripts/nats-auth, the
 * local setup) allows; every password is a $VARIABLE set from a Secret, and each service
 * logs in with the same Secret's NATS_USER/NATS_PASSWORD.
 */
function natsAuth(m, ctx) {
  const errors = [];
  let conf;
  try { conf = parseNatsFiles(natsFilesOf(m), "nats.conf"); } catch (e) { return [e.message]; }
  const auth = conf.authorization;
  if (!auth?.users) return ["nats.conf has no authorization users: anonymous clients would get in"];
  for (const k of ["user", "password", "token", "no_auth_user"]) {
    if (auth[k] !== undefined) errors.push(`nats.conf authorization.${k} must not be set`);
  }
  if (conf.no_auth_user !== undefined) errors.push("nats.conf no_auth_user lets anonymous clients in");
  if (conf.accounts !== undefined) errors.push("nats.conf accounts: users are expected in authorization only");
  const sts = m.find("StatefulSet", "nats", C.NAMESPACE);
  const env = natsEnv(sts);
  const names = auth.users.map((u) => u.user);
  const want = [C.NATS_ADMIN_USER, ...Object.keys(C.SERVICES)];
  const set = sameSet(names, want);
  if (!set.equal || new Set(names).size !== names.length) {
    errors.push(`NATS users are ${names.join(", ")}; want exactly ${want.join(", ")}`);
  }
  for (const u of auth.users) {
    const where = `NATS user ${u.user}`;
    const pwVar = u.password?.$var;
    const ref = pwVar && env.get(pwVar)?.valueFrom?.secretKeyRef;
    if (!pwVar) errors.push(`${where}: the password must be a $VARIABLE (from a Secret), not a literal`);
    else if (!ref) errors.push(`${where}: env ${pwVar} of the nats container must come from a Secret`);
    else if (secretValue(m, ref.name, ref.key) === undefined) {
      errors.push(`${where}: Secret ${ref.name} has no key ${ref.key}`);
    }
    if (u.user === C.NATS_ADMIN_USER || !C.SERVICES[u.user]) continue;
    const have = allowLists(u.permissions);
    const exp = C.natsPermissions(u.user);
    if (have.denies || have.extra.length) errors.push(`${where}: allow lists only (no deny, no ${have.extra})`);
    for (const k of ["publish", "subscribe"]) {
      const d = sameSet(have[k], exp[k]);
      if (d.missing.length) errors.push(`${where}: ${k} lacks ${d.missing.join(", ")}`);
      if (d.extra.length) errors.push(`${where}: ${k} must not allow ${d.extra.join(", ")}`);
    }
    // The service's pods log in as this user with the password the server checks.
    const d = m.find("Deployment", u.user, C.NAMESPACE);
    const c = d?.spec?.template?.spec?.containers?.find((x) => x.name === u.user);
    const cenv = new Map((c?.env ?? []).map((e) => [e.name, e]));
    const userRef = cenv.get("NATS_USER")?.valueFrom?.secretKeyRef;
    const passRef = cenv.get("NATS_PASSWORD")?.valueFrom?.secretKeyRef;
    if (!userRef || !passRef) {
      errors.push(`Deployment ${u.user}: NATS_USER and NATS_PASSWORD must come from a Secret`);
      continue;
    }
    for (const r of [userRef, passRef]) {
      if (secretValue(m, r.name, r.key) === undefined) {
        errors.push(`Deployment ${u.user}: Secret ${r.name} has no key ${r.key}`);
      }
    }
    if (secretValue(m, userRef.name, userRef.key) !== u.user) {
      errors.push(`Deployment ${u.user}: NATS_USER (Secret ${userRef.name} ${userRef.key}) must be "${u.user}"`);
    }
    if (ref && (passRef.name !== ref.name || passRef.key !== ref.key)) {
      errors.push(`Deployment ${u.user}: NATS_PASSWORD comes from ${passRef.name}/${passRef.key}, but ` +
        `the server checks ${ref.name}/${ref.key}`);
    }
  }
  // The local setup (scripts/nats-auth) and Kubernetes grant the same.
  if (ctx.localNatsAuth) {
    const local = ctx.localNatsAuth.authorization?.users ?? [];
    const l = sameSet(local.map((u) => u.user), names);
    if (!l.equal) errors.push(`scripts/nats-auth has users ${local.map((u) => u.user)}, k8s has ${names}`);
    for (const lu of local) {
      const ku = auth.users.find((u) => u.user === lu.user);
      if (!ku) continue;
      const a = allowLists(lu.permissions), b = allowLists(ku.permissions);
      for (const k of ["publish", "subscribe"]) {
        if (!sameSet(a[k], b[k]).equal) errors.push(`NATS user ${lu.user}: ${k} differs from scripts/nats-auth`);
      }
    }
  }
  return errors;
}

/** Every password of every Secret (keys named *password*, any case), with its value. */
function passwords(m) {
  return m.docs("Secret").flatMap((d) => Object.keys({ ...d.data, ...d.stringData })
    .filter((key) => /password/i.test(key))
    .map((key) => ({ where: `Secret ${d.metadata.name} ${key}`, value: secretValue(m, d.metadata.name, key) ?? "" })));
}

/**
 * One password rule everywhere (k8s/base/kustomization.yaml, deploy/README.md): nats-server
 * parses a $VARIABLE's value as configuration (a "#" starts a comment, digits make a
 * number), and DATABASE_URL and the NATS route URLs carry passwords, where URL-reserved
 * characters would break them.
 */
function passwordRule(m) {
  return passwords(m).filter((p) => !C.PASSWORD_RULE.test(p.value))
    .map((p) => `${p.where}: breaks the password rule (${C.PASSWORD_RULE_TEXT})`);
}

/** Secrets in the repo hold placeholders only: real values come from an overlay. */
function secretPlaceholders(m) {
  return passwords(m).filter((p) => !/^placeholder-[a-z0-9-]+-change-me$/.test(p.value))
    .map((p) => `${p.where}: not a placeholder-…-change-me value`);
}

/** The peers of the connection matrix: every pod template, and pods and hosts outside. */
export function networkPeers(m) {
  const nsLabels = { "kubernetes.io/metadata.name": C.NAMESPACE };
  const peers = m.pods().filter((w) => w.ns === C.NAMESPACE).map((w) => {
    const labels = w.template.metadata?.labels ?? {};
    return { name: labels["app.kubernetes.io/name"] ?? w.owner.metadata.name, namespace: C.NAMESPACE,
      nsLabels, labels, ports: (w.template.spec?.containers ?? []).flatMap((c) => c.ports ?? []) };
  });
  const outside = (name, namespace, labels, ports) => ({ name, namespace, labels, ports,
    nsLabels: { "kubernetes.io/metadata.name": namespace } });
  peers.push(
    outside("ingress-nginx", C.INGRESS_NAMESPACE, { "app.kubernetes.io/name": "ingress-nginx" },
      [{ containerPort: 80 }, { containerPort: 443 }]),
    outside("kube-dns", "kube-system", { "k8s-app": "kube-dns" },
      [{ containerPort: 53, protocol: "UDP" }, { containerPort: 53 }]),
    outside("prometheus", C.MONITORING_NAMESPACE, { "app.kubernetes.io/name": "prometheus" },
      [{ containerPort: 9090 }]),
    outside("cnpg-operator", C.CNPG.operatorNamespace, C.CNPG.operatorLabels,
      [{ containerPort: 9443 }, { containerPort: 8080 }]),
    outside("other-namespace", "default", { "app.kubernetes.io/name": "other" }, [{ containerPort: 8080 }]),
    { name: "kube-apiserver", ip: "172.18.0.2", ports: [{ containerPort: 443 }, { containerPort: 6443 }] },
    { name: "internet", ip: "203.0.113.10", ports: [{ containerPort: 443 }] },
  );
  return peers;
}

/**
 * NetworkPolicies (issue 8): default deny; every workload has its own policy; and the
 * connections the rules allow between all pods (and outside pods and hosts) are exactly
 * the contract's: services to NATS, their own database and DNS; the ingress controller
 * to the Ingress backends' HTTP ports; NATS nodes to each other.
 */
function networkPolicies(m, ctx) {
  const errors = [];
  const policies = m.docs("NetworkPolicy");
  const denyAll = policies.find((np) => Object.keys(np.spec?.podSelector ?? {}).length === 0 &&
    ["Ingress", "Egress"].every((t) => (np.spec?.policyTypes ?? []).includes(t)) &&
    !(np.spec?.ingress ?? []).length && !(np.spec?.egress ?? []).length);
  if (!denyAll) errors.push("no default-deny NetworkPolicy (podSelector {}, Ingress and Egress, no rules)");
  for (const w of m.pods()) {
    const labels = w.template.metadata?.labels;
    if (!policies.some((np) => Object.keys(np.spec?.podSelector ?? {}).length &&
      labelSelectorMatches(np.spec.podSelector, labels))) {
      errors.push(`${idOf(w.owner)}: no NetworkPolicy of its own selects its pods`);
    }
  }
  // The contract names ingress backends by Service port: the pod sees the target port.
  const toContainerPort = (to, port) => {
    const svc = m.find("Service", to, C.NAMESPACE);
    const sp = svc?.spec?.ports?.find((p) => p.port === port);
    if (!sp) return port;
    const w = m.workloads().find((x) => selects(svc.spec.selector, x.template.metadata?.labels));
    const cp = w?.template.spec.containers.flatMap((c) => c.ports ?? [])
      .find((p) => (typeof sp.targetPort === "string" ? p.name === sp.targetPort : p.containerPort === (sp.targetPort ?? port)));
    return cp?.containerPort ?? port;
  };
  const want = new Set(C.allowedConnections(ctx.shape).map(([f, t, port, proto]) =>
    `${f} -> ${t}:${f === "ingress-nginx" ? toContainerPort(t, port) : port}/${proto}`));
  const peers = networkPeers(m);
  const seen = new Set();
  for (const from of peers) {
    for (const to of peers) {
      if (from.namespace !== C.NAMESPACE && to.namespace !== C.NAMESPACE) continue;
      for (const p of to.ports) {
        const proto = p.protocol ?? "TCP";
        const key = `${from.name} -> ${to.name}:${p.containerPort}/${proto}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const allowed = connectionAllowed(policies, from, to, p.containerPort, proto);
        if (allowed && !want.has(key)) errors.push(`allowed, but not in the contract: ${key}`);
        if (!allowed && want.has(key)) errors.push(`denied, but the contract needs it: ${key}`);
      }
    }
  }
  for (const k of want) if (!seen.has(k)) errors.push(`the contract's ${k} matches no pod port`);
  return errors;
}

/** The page (issue 9): a Deployment of the client image, its Service, no secrets. */
function clientDeployment(m) {
  const errors = [];
  const { name, port, replicas } = C.CLIENT;
  const d = m.find("Deployment", name, C.NAMESPACE);
  if (!d) return [`Deployment ${name} is missing`];
  if (d.spec.replicas !== replicas) errors.push(`${name}: replicas ${d.spec.replicas}, want ${replicas}`);
  const pod = d.spec.template.spec;
  const c = pod.containers.find((x) => x.name === name);
  if (!c) return [`Deployment ${name}: no container named ${name}`];
  if (c.image !== `${C.IMAGE_REPO}/${name}`) errors.push(`${name}: image must be ${C.IMAGE_REPO}/${name}`);
  if (!c.ports?.some((p) => p.containerPort === port)) errors.push(`${name}: no containerPort ${port}`);
  for (const probe of ["readinessProbe", "livenessProbe"]) {
    if (!c[probe]?.httpGet) errors.push(`${name}: ${probe} must be an httpGet`);
  }
  if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory) {
    errors.push(`${name}: resources need requests.cpu, requests.memory and limits.memory`);
  }
  // nginx writes its pid and temporary files to /tmp: with a read-only root, an emptyDir.
  const tmp = (c.volumeMounts ?? []).find((v) => v.mountPath === "/tmp");
  if (!tmp || !pod.volumes?.find((v) => v.name === tmp.name)?.emptyDir) {
    errors.push(`${name}: /tmp must be an emptyDir (nginx's pid and temp files)`);
  }
  if ((c.envFrom ?? []).some((e) => e.secretRef) || (c.env ?? []).some((e) => e.valueFrom?.secretKeyRef) ||
    (pod.volumes ?? []).some((v) => v.secret)) {
    errors.push(`${name}: the page needs no Secret, so it must get none`);
  }
  const preStop = c.lifecycle?.preStop?.exec?.command ?? [];
  const sleepS = preStop[0] === "sleep" ? Number(preStop[1]) : 0;
  if ((pod.terminationGracePeriodSeconds ?? 30) <= sleepS + 5) {
    errors.push(`${name}: terminationGracePeriodSeconds must exceed the preStop sleep by more than 5 s`);
  }
  const svc = m.find("Service", name, C.NAMESPACE);
  if (!svc || svc.spec?.type === "NodePort" || !svc.spec?.ports?.some((p) => p.port === port)) {
    errors.push(`${name}: no ClusterIP Service ${name} on port ${port}`);
  }
  if (!m.docs("PodDisruptionBudget").some((b) => selects(b.spec?.selector?.matchLabels, d.spec.template.metadata.labels))) {
    errors.push(`${name}: no PodDisruptionBudget`);
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
  ["NATS is a 3-node JetStream cluster the services reach, routes authenticated", natsCluster],
  ["StatefulSets have their Services; each DB admits only its service", statefulSets],
  ["pods meet Pod Security restricted, read-only root, no capabilities; one namespace; unique names", podSecurity],
  ["NATS users: one per service with only its subjects, passwords from Secrets, no anonymous access", natsAuth],
  ["every password follows the one password rule (it goes into URLs and NATS config)", passwordRule],
  ["Secrets in the repo hold placeholders only", secretPlaceholders],
  ["NetworkPolicies: default deny, one per workload, exactly the contract's connections", networkPolicies],
  ["the client Deployment serves the page", clientDeployment],
  ...RESILIENCE_CHECKS,
  ...TLS_CHECKS,
];
