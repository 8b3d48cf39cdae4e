// Self-tests of the checks that the shapes added (volumes kept, disruption budgets, NATS
// runtime, CloudNativePG, TLS, the password rule) and of the CRD schema check: each
// mutation of a rendered shape must make its check fail, and for every CRD in deploy/crds
// a misspelt field and a wrong type must fail validation.
import { isCustomResource, validateCustomResource } from "./crd.mjs";

// Helpers over a rendered list of objects, for mutations.
export const byName = (docs, kind, name) => docs.find((d) => d.kind === kind && d.metadata.name === name);
export const container = (docs, name) => byName(docs, "Deployment", name).spec.template.spec.containers[0];
export const envOf = (docs, svc, name) => container(docs, svc).env.find((e) => e.name === name);
export const policy = (docs, name) => byName(docs, "NetworkPolicy", name).spec;
export const natsFiles = (docs) => byName(docs, "ConfigMap", "nats-config").data;
const nats = (docs) => byName(docs, "StatefulSet", "nats").spec.template.spec;
const cluster = (docs, name) => byName(docs, "Cluster", name).spec;
const secret = (docs, name, key, value) => { byName(docs, "Secret", name).data[key] = Buffer.from(value).toString("base64"); };
/** Replaces text in a file of the nats ConfigMap; throws if it is not there. */
export const editNats = (docs, file, from, to) => {
  const f = natsFiles(docs);
  if (!f[file].includes(from)) throw new Error(`self-test setup: "${from}" not in ${file}`);
  f[file] = f[file].replace(from, to);
};

// [description, check name fragment, mutate(docs, ctx), shape].
export const SHAPE_MUTATIONS = [
  ["a StatefulSet whose volumes go when it is deleted", "volumes outlive",
    (d) => { byName(d, "StatefulSet", "nats").spec.persistentVolumeClaimRetentionPolicy.whenDeleted = "Delete"; }, "base"],
  ["the Namespace rendered by the kustomization", "volumes outlive",
    (d) => { d.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: "blog" } }); }, "base"],
  ["a NATS probe with the default 1 s timeout", "NATS probes",
    (d) => { delete nats(d).containers[0].livenessProbe.timeoutSeconds; }, "base"],
  ["a NATS memory limit changed without GOMEMLIMIT", "NATS probes",
    (d) => { nats(d).containers[0].resources.limits.memory = "2Gi"; }, "base"],
  ["a password with URL-reserved characters", "password rule",
    (d) => { secret(d, "posts-db", "APP_PASSWORD", "placeholder-p@ss:word-change-me"); }, "base"],
  ["a PodDisruptionBudget that blocks every drain", "PodDisruptionBudgets",
    (d) => { byName(d, "PodDisruptionBudget", "comments").spec.minAvailable = 2; }, "base"],
  ["NATS TLS half turned on in a shape without TLS", "TLS:",
    (d) => { byName(d, "ConfigMap", "blog-config").data.NATS_URL = "tls://nats:4222"; }, "base"],
  ["a Deployment without a PodDisruptionBudget", "PodDisruptionBudgets",
    (d) => { d.splice(d.findIndex((x) => x.kind === "PodDisruptionBudget" && x.metadata.name === "posts"), 1); }, "ha"],
  ["NATS pods free to share a node", "distinct nodes",
    (d) => { delete nats(d).topologySpreadConstraints; }, "ha"],
  ["a Cluster without synchronous replication", "CloudNativePG clusters",
    (d) => { delete cluster(d, "posts-db").postgresql.synchronous; }, "ha"],
  ["a Cluster that writes on without a standby (dataDurability preferred)", "CloudNativePG clusters",
    (d) => { cluster(d, "query-db").postgresql.synchronous.dataDurability = "preferred"; }, "ha"],
  ["a Cluster image that is not pinned by digest", "CloudNativePG clusters",
    (d) => { cluster(d, "comments-db").imageName = "ghcr.io/cloudnative-pg/postgresql:15"; }, "ha"],
  ["a Cluster whose instances may share a node", "CloudNativePG clusters",
    (d) => { cluster(d, "moderation-db").affinity.podAntiAffinityType = "preferred"; }, "ha"],
  ["an application Secret for another role", "CloudNativePG clusters",
    (d) => { secret(d, "posts-db-app", "username", "query"); }, "ha"],
  ["a service still pointed at the single-instance database", "follow the contract",
    (d) => { const e = envOf(d, "posts", "DATABASE_URL"); e.value = e.value.replace("posts-db-rw", "posts-db"); }, "ha"],
  ["a DATABASE_URL that does not verify the server", "follow the contract",
    (d) => { const e = envOf(d, "query", "DATABASE_URL"); e.value = e.value.replace("verify-full", "require"); }, "ha"],
  ["a service whose password is not the cluster's application role's", "follow the contract",
    (d) => { envOf(d, "comments", "DB_PASSWORD").valueFrom.secretKeyRef.name = "posts-db-app"; }, "ha"],
  ["a database instance another service may reach", "each DB admits only",
    (d) => {
      policy(d, "posts-db").ingress[0].from.push({ podSelector: { matchLabels: { "app.kubernetes.io/name": "query" } } });
      policy(d, "query").egress[1].to.push({ podSelector: { matchLabels: { "app.kubernetes.io/name": "posts-db" } } });
    }, "ha"],
  ["the CloudNativePG operator shut out of an instance", "default deny",
    (d) => { policy(d, "comments-db").ingress[1].from.pop(); }, "ha"],
  ["instances that cannot reach the Kubernetes API", "default deny",
    (d) => { policy(d, "moderation-db").egress.pop(); }, "ha"],
  ["NATS client TLS without its certificate", "TLS:",
    (d) => editNats(d, "tls.conf", "cert_file: /etc/nats-tls/tls.crt", "cert_file: /etc/nats/tls.crt"), "tls"],
  ["routes without TLS in the TLS shape", "TLS:",
    (d) => { natsFiles(d)["cluster-tls.conf"] = "# none\n"; }, "tls"],
  ["a service that does not mount the NATS CA", "TLS:",
    (d) => { const c = container(d, "posts"); c.volumeMounts = c.volumeMounts.filter((v) => v.name !== "nats-ca"); }, "tls"],
  ["plain nats:// URLs in the TLS shape", "TLS:",
    (d) => { byName(d, "ConfigMap", "blog-config").data.NATS_URL = "nats://nats:4222"; }, "tls"],
  ["an Ingress that asks no one for its certificate", "TLS:",
    (d) => { delete byName(d, "Ingress", "blog").metadata.annotations["cert-manager.io/cluster-issuer"]; }, "tls"],
  ["cert-manager's HTTP-01 solver left behind the default deny", "default deny",
    (d) => { d.splice(d.findIndex((x) => x.kind === "NetworkPolicy" && x.metadata.name === "acme-http-solver"), 1); }, "tls"],
];

/** A check passes `docs` and fails them mutated: [] when so, else what went wrong. */
export function mutationFails(check, docs, ctx, mutate, what, makeManifests) {
  const [name, fn] = check;
  // The unmutated manifests pass, so a failure below is the mutation's doing.
  const before = fn(makeManifests(docs), ctx);
  if (before.length) return [`"${name}" fails the unmutated manifests already: ${before[0]}`];
  const mutated = structuredClone(docs);
  const c = structuredClone(ctx);
  mutate(mutated, c);
  return fn(makeManifests(mutated), c).length ? [] : [`"${name}" passed a manifest with ${what}`];
}

/**
 * The CRD check, generic over deploy/crds: for every kind, a misspelt field and a wrong
 * type in spec fail; and on the HA shape's real Cluster, a misspelt nested field, a
 * string where an integer belongs and a value outside an enum fail, naming the field.
 */
export function crdSelfTests(crds, haDocs) {
  const expect = (doc, pattern, what) => () => {
    const errors = validateCustomResource(crds, doc);
    return errors.some((e) => pattern.test(e)) ? [] : [`${what} passed or failed otherwise: ${errors.join("; ") || "valid"}`];
  };
  const tests = [];
  for (const key of crds.keys()) {
    const [apiVersion, kind] = key.split(" ");
    const doc = { apiVersion, kind, metadata: { name: "selftest" } };
    tests.push([`CRD check: a ${kind} with a misspelt spec field fails`,
      expect({ ...doc, spec: { selfTestMisspeltField: 1 } }, /at spec: .*additional properties "selfTestMisspeltField"/, "a misspelt field")]);
    tests.push([`CRD check: a ${kind} whose spec is a string fails (wrong type)`,
      expect({ ...doc, spec: "wrong" }, /at spec: must be object/, "a wrong type")]);
  }
  const real = haDocs.find((d) => d.kind === "Cluster" && isCustomResource(crds, d));
  const mutate = (fn) => { const d = structuredClone(real); fn(d.spec); return d; };
  tests.push(
    ["CRD check: the Cluster with postgresql.synchronous.method misspelt fails",
      expect(mutate((s) => { s.postgresql.synchronous.methd = s.postgresql.synchronous.method; delete s.postgresql.synchronous.method; }),
        /at spec\.postgresql\.synchronous: must NOT have additional properties "methd"/, "a misspelt nested field")],
    ["CRD check: the Cluster with instances as a string fails",
      expect(mutate((s) => { s.instances = "3"; }), /at spec\.instances: must be integer/, "a string for an integer")],
    ["CRD check: the Cluster with a primaryUpdateStrategy outside its enum fails",
      expect(mutate((s) => { s.primaryUpdateStrategy = "automatic"; }),
        /at spec\.primaryUpdateStrategy: must be equal to one of the allowed values/, "a value outside the enum")]);
  return tests;
}
