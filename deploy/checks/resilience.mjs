// Semantic checks of what keeps the blog up and its data safe, in every shape: volumes
// that outlive their workloads, disruption budgets that protect without blocking drains,
// NATS probes and memory tuned as the official chart does, NATS nodes on distinct machines
// and CloudNativePG clusters where the shape asks for them (contract.mjs SHAPES).
import * as C from "./contract.mjs";
import { selects, idOf } from "./k8s-model.mjs";

const UNITS = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** A Kubernetes quantity ("1Gi", "512Mi", "100m", "2") as a number (bytes or cores). */
export function quantity(q) {
  const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(q ?? ""));
  if (!m) return NaN;
  return m[2] === "m" ? Number(m[1]) / 1000 : Number(m[1]) * UNITS[m[2] ?? ""];
}

/** Kubernetes keeps every volume: no Namespace in a kustomization, PVCs retained. */
function volumesKept(m) {
  const errors = m.docs("Namespace").map((d) => `${idOf(d)} is rendered: \`kubectl delete -k\` would ` +
    `delete it with every volume in it (apply ${C.NAMESPACE_FILE} on its own)`);
  for (const s of m.docs("StatefulSet")) {
    if (!s.spec?.volumeClaimTemplates?.length) continue;
    const r = s.spec.persistentVolumeClaimRetentionPolicy ?? {};
    if (r.whenDeleted !== "Retain" || r.whenScaled !== "Retain") {
      errors.push(`${idOf(s)}: persistentVolumeClaimRetentionPolicy must say whenDeleted and ` +
        "whenScaled: Retain (its data outlives the StatefulSet)");
    }
  }
  return errors;
}

/** PDBs keep a replica up without blocking node drains; the shape may want one everywhere. */
function disruptionBudgets(m, ctx) {
  const errors = [];
  const pdbs = m.docs("PodDisruptionBudget");
  for (const pdb of pdbs) {
    for (const w of m.workloads().filter((x) => selects(pdb.spec?.selector?.matchLabels, x.template.metadata?.labels))) {
      const replicas = w.owner.spec?.replicas ?? 1;
      const { minAvailable, maxUnavailable } = pdb.spec ?? {};
      if ((typeof minAvailable === "number" && minAvailable >= replicas) || maxUnavailable === 0) {
        errors.push(`${idOf(pdb)}: with ${replicas} replica(s) of ${idOf(w.owner)} it blocks every ` +
          "voluntary disruption (node drains never finish)");
      }
    }
  }
  if (ctx.shape.pdbEveryDeployment) {
    for (const d of m.docs("Deployment")) {
      if (!pdbs.some((b) => selects(b.spec?.selector?.matchLabels, d.spec?.template?.metadata?.labels))) {
        errors.push(`${idOf(d)}: no PodDisruptionBudget`);
      }
    }
  }
  return errors;
}

const natsContainer = (m) => m.find("StatefulSet", "nats", C.NAMESPACE)?.spec?.template?.spec?.containers
  ?.find((c) => c.name === "nats");

/** Probe timeouts of the official chart, and GOMEMLIMIT at 90% of the memory limit. */
function natsRuntime(m) {
  const c = natsContainer(m);
  if (!c) return ["StatefulSet nats has no container nats"];
  const errors = [];
  for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
    if (!c[probe]) errors.push(`nats: no ${probe}`);
    else if ((c[probe].timeoutSeconds ?? 1) < C.NATS_PROBE_TIMEOUT_S) {
      errors.push(`nats: ${probe}.timeoutSeconds must be at least ${C.NATS_PROBE_TIMEOUT_S} (the official chart's)`);
    }
  }
  const limit = quantity(c.resources?.limits?.memory);
  const want = `${Math.floor((limit * C.NATS_GOMEMLIMIT_PERCENT) / 100 / 2 ** 20)}MiB`;
  const have = c.env?.find((e) => e.name === "GOMEMLIMIT")?.value;
  if (!Number.isFinite(limit)) errors.push("nats: needs resources.limits.memory");
  else if (have !== want) {
    errors.push(`nats: GOMEMLIMIT is ${have ?? "unset"}, want ${want} (${C.NATS_GOMEMLIMIT_PERCENT}% of ` +
      `limits.memory ${c.resources.limits.memory}); change the two together`);
  }
  return errors;
}

/** Where the shape needs it, no two NATS pods on one node (a node would take the quorum). */
function natsSpread(m, ctx) {
  if (!ctx.shape.natsOnDistinctNodes) return [];
  const sts = m.find("StatefulSet", "nats", C.NAMESPACE);
  const pod = sts?.spec?.template;
  const mine = (sel) => selects(sel?.matchLabels, pod?.metadata?.labels);
  const spread = (pod?.spec?.topologySpreadConstraints ?? []).some((t) =>
    t.topologyKey === "kubernetes.io/hostname" && t.whenUnsatisfiable === "DoNotSchedule" &&
    t.maxSkew === 1 && (t.minDomains ?? 1) >= sts.spec.replicas && mine(t.labelSelector));
  const anti = (pod?.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])
    .some((a) => a.topologyKey === "kubernetes.io/hostname" && mine(a.labelSelector));
  return spread || anti ? [] : ["nats: pods must be spread one per node: topologySpreadConstraints on " +
    "kubernetes.io/hostname with DoNotSchedule, maxSkew 1 and minDomains ≥ replicas, or required " +
    "pod anti-affinity"];
}

/** CloudNativePG clusters: 3 instances, synchronous, the service's role and Secret, pinned image. */
function cnpgClusters(m, ctx) {
  if (ctx.shape.postgres !== "cnpg") {
    return m.docs("Cluster").map((c) => `${idOf(c)}: this shape runs PostgreSQL as StatefulSets`);
  }
  const errors = [];
  for (const s of Object.keys(C.SERVICES)) {
    const name = `${s}-db`;
    const c = m.find("Cluster", name, C.NAMESPACE);
    if (!c) { errors.push(`no Cluster ${name}`); continue; }
    const spec = c.spec ?? {};
    if (m.find("StatefulSet", name, C.NAMESPACE)) errors.push(`StatefulSet ${name} must go: Cluster ${name} replaces it`);
    if (spec.instances !== C.CNPG.instances) errors.push(`${name}: instances ${spec.instances}, want ${C.CNPG.instances}`);
    const sync = spec.postgresql?.synchronous;
    if (!["any", "first"].includes(sync?.method) || !(sync?.number >= 1 && sync.number < spec.instances) ||
      sync?.dataDurability !== "required") {
      errors.push(`${name}: postgresql.synchronous must wait for 1 to instances-1 standbys ` +
        "(method any or first) with dataDurability required");
    }
    const initdb = spec.bootstrap?.initdb ?? {};
    if (initdb.database !== s || initdb.owner !== s) errors.push(`${name}: bootstrap.initdb must create database ${s} owned by ${s}`);
    const secret = m.docs("Secret").find((d) => d.metadata.name === initdb.secret?.name);
    const user = secret?.data?.username && Buffer.from(secret.data.username, "base64").toString();
    if (!secret || secret.type !== "kubernetes.io/basic-auth" || user !== s || secret.data?.password === undefined) {
      errors.push(`${name}: bootstrap.initdb.secret must be a rendered kubernetes.io/basic-auth Secret ` +
        `with username ${s} and a password`);
    }
    const image = /^ghcr\.io\/cloudnative-pg\/postgresql:(\d+)\.\d+-[a-z0-9.-]+@sha256:[0-9a-f]{64}$/.exec(spec.imageName ?? "");
    if (!image || Number(image[1]) !== C.CNPG.postgresMajor) {
      errors.push(`${name}: imageName must be a PostgreSQL ${C.CNPG.postgresMajor}.x CloudNativePG image pinned by digest`);
    }
    const a = spec.affinity ?? {};
    if (a.enablePodAntiAffinity !== true || a.podAntiAffinityType !== "required" || a.topologyKey !== "kubernetes.io/hostname") {
      errors.push(`${name}: affinity must put every instance on its own node (required anti-affinity on kubernetes.io/hostname)`);
    }
    if (spec.inheritedMetadata?.labels?.["app.kubernetes.io/name"] !== name) {
      errors.push(`${name}: inheritedMetadata.labels must give its pods app.kubernetes.io/name: ${name}`);
    }
    if (!spec.storage?.size) errors.push(`${name}: storage.size must be set`);
    if (!spec.resources?.requests?.cpu || !spec.resources?.requests?.memory || !spec.resources?.limits?.memory) {
      errors.push(`${name}: resources need requests.cpu, requests.memory and limits.memory`);
    }
  }
  return errors;
}

export const RESILIENCE_CHECKS = [
  ["volumes outlive their workloads (no Namespace rendered, PVCs retained)", volumesKept],
  ["PodDisruptionBudgets never block a drain; one per Deployment where the shape wants it", disruptionBudgets],
  ["NATS probes time out after 5 s and GOMEMLIMIT is 90% of its memory limit", natsRuntime],
  ["NATS pods go on distinct nodes where the shape wants it", natsSpread],
  ["CloudNativePG clusters: 3 instances, synchronous replication, the service's role, pinned image", cnpgClusters],
];
