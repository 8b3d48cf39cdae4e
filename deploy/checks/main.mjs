// deploy/check-manifests runs this: every check of k8s/ (each deployable shape: the base,
// the HA overlay with its databases, the TLS overlay), skaffold.yaml and Dockerfiles/, one
// line each, then "manifests: N passed, M failed". Exit 1 if any check failed.
//
//   node deploy/checks/main.mjs [--root DIR] [--no-selftest]
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import YAML from "yaml";
import { typecheck, kubernetesUnit } from "./schema.mjs";
import { loadCrds, isCustomResource, validateCustomResource } from "./crd.mjs";
import { Manifests, natsFilesOf } from "./k8s-model.mjs";
import { SEMANTIC_CHECKS } from "./semantic.mjs";
import { renderDir, namespaceFile, requestedResources, describeResources } from "./shapes.mjs";
import * as skaffold from "./skaffold.mjs";
import * as dockerfiles from "./dockerfiles.mjs";
import { testConfig, containerEnv, localAuthorization, probePermissions, natsProbeCases,
  withThrowawayCertificates } from "./nats.mjs";
import * as C from "./contract.mjs";
import { kindConfig } from "./kind.mjs";
import { selfTests } from "./selftest.mjs";
import { monitoringChecks } from "./monitoring.mjs";

const { values: opts } = parseArgs({ options: {
  root: { type: "string", default: path.resolve(import.meta.dirname, "..", "..") },
  "no-selftest": { type: "boolean", default: false },
} });
const ROOT = path.resolve(opts.root);
// The repo the checks live in: its scripts, also when --root points at a copy.
const REPO = existsSync(path.join(ROOT, "scripts")) ? ROOT : path.resolve(import.meta.dirname, "..", "..");

const counts = { passed: 0, failed: 0, skipped: 0 };
function report(name, errors) {
  if (errors === null) {
    counts.skipped++;
    console.log(`skip ${name}`);
  } else if (errors.length === 0) {
    counts.passed++;
    console.log(`ok   ${name}`);
  } else {
    counts.failed++;
    console.log(`FAIL ${name}`);
    for (const e of errors) console.log(`       ${String(e).replace(/\n/g, "\n       ")}`);
  }
}
/** Runs fn as one check; an exception is a failure of that check. */
function check(name, fn) {
  try {
    report(name, fn());
  } catch (e) {
    report(name, [e.message]);
  }
}
async function checkAsync(name, fn) {
  try {
    report(name, await fn());
  } catch (e) {
    report(name, [e.message]);
  }
}

// 1. Rendering: every kustomization of every shape, built-in and (when installed) kubectl.
const shapes = C.SHAPES.map((shape) => ({ shape, items: [] }));
for (const s of shapes) {
  for (const dir of s.shape.dirs) {
    let kubectlDiff = null;
    check(`[${s.shape.name}] ${dir} renders (built-in renderer)`, () => {
      const r = renderDir(ROOT, dir);
      s.items.push(...r.items);
      kubectlDiff = r.kubectlDiff;
      return [];
    });
    report(`[${s.shape.name}] kubectl kustomize ${dir} renders the same objects as the built-in renderer`,
      kubectlDiff);
  }
  console.log(`info [${s.shape.name}] ${describeResources(requestedResources(s.items.map((i) => i.doc)))}`);
}
check(`${C.NAMESPACE_FILE} is the one Namespace (Pod Security restricted), applied on its own`,
  () => namespaceFile(ROOT));

// The kind clusters of deploy/README.md: one node for the base, three workers for HA.
check("deploy/kind/cluster.yaml: one node, ingress-ready, host ports 80 and 443", () => kindConfig(ROOT, "cluster.yaml", 0));
check("deploy/kind/ha.yaml: three workers for the HA spread, ingress-ready control plane with ports 80 and 443",
  () => kindConfig(ROOT, "ha.yaml", 3));

let skaffoldConfig = {};
check("skaffold.yaml parses", () => {
  skaffoldConfig = YAML.parse(readFileSync(path.join(ROOT, "skaffold.yaml"), "utf8"));
  return [];
});

// 2. Strict schemas: built-in kinds in one tsc run (an object shared by several shapes is
// checked once), custom resources against their CRD (deploy/crds) with ajv.
{
  const crds = loadCrds();
  const units = new Map();
  const broken = [];
  for (const { shape, items } of shapes) {
    for (const item of items) {
      const tag = `${item.doc.kind} ${item.doc.metadata?.name}`;
      if (isCustomResource(crds, item.doc)) {
        report(`[${shape.name}] schema ${tag} (${item.source}) against its CRD`,
          validateCustomResource(crds, item.doc));
        continue;
      }
      const key = JSON.stringify(item.doc);
      if (units.has(key)) { units.get(key).shapes.push(shape.name); continue; }
      try {
        units.set(key, { ...kubernetesUnit(item), name: `${units.size}`, shapes: [shape.name], tag });
      } catch (e) { broken.push(e.message); }
    }
  }
  if (broken.length) report("every object has a kubernetes-models schema", broken);
  const list = [...units.values(), { ...skaffold.skaffoldUnit(skaffoldConfig), shapes: [], tag: "skaffold.yaml" }];
  let results = new Map();
  check(`tsc --strict ran over ${list.length} typed documents`, () => {
    results = typecheck(list, "schema");
    return [];
  });
  for (const u of list) {
    const where = u.shapes.length ? ` [${u.shapes.join(", ")}]` : "";
    if (results.has(u.name)) report(`schema ${u.tag} (${u.source})${where}`, results.get(u.name));
  }
}

// 3. What schemas cannot see, per shape.
let dockerTargets = new Set();
check("Dockerfile targets are readable", () => { dockerTargets = dockerfiles.serviceTargets(ROOT); return []; });
let localNatsAuth = null;
check("scripts/nats-auth (the local NATS users) prints a readable authorization block", () => {
  localNatsAuth = localAuthorization(REPO);
  return localNatsAuth ? [] : null;
});
check("semantic: skaffold.yaml builds every image target and deploys k8s/",
  () => skaffold.rules(skaffoldConfig, "k8s"));

const probedAuth = new Set();
for (const { shape, items } of shapes) {
  const manifests = new Manifests(items, { externalSecrets: shape.externalSecrets });
  const natsFiles = natsFilesOf(manifests);
  const ctx = { shape, skaffold: skaffoldConfig, dockerTargets, natsFiles,
    natsConf: natsFiles["nats.conf"], localNatsAuth };
  for (const [name, fn] of SEMANTIC_CHECKS) check(`[${shape.name}] semantic: ${name}`, () => fn(manifests, ctx));

  // nats.conf under a real nats-server, with the environment Kubernetes would give.
  const decode = (kind) => (name, key) => {
    const d = manifests.find(kind, name, C.NAMESPACE);
    const v = d?.data?.[key];
    return v === undefined ? undefined : kind === "Secret" ? Buffer.from(v, "base64").toString("utf8") : v;
  };
  const containerOf = (kind, name, container) => manifests.find(kind, name, C.NAMESPACE)
    ?.spec?.template?.spec?.containers?.find((c) => c.name === container);
  const envOf = (kind, name, container, podName) => containerEnv(containerOf(kind, name, container),
    { podName, secret: decode("Secret"), configMap: decode("ConfigMap") });
  const natsEnv = envOf("StatefulSet", "nats", "nats", "nats-0");
  check(`[${shape.name}] nats-server -t accepts the cluster's nats.conf with the pod's environment`, () => {
    if (!natsFiles["nats.conf"]) return ["no ConfigMap holds nats.conf"];
    // TLS files come from Secrets only the cluster has: throwaway certificates stand in.
    const pod = manifests.find("StatefulSet", "nats", C.NAMESPACE)?.spec?.template?.spec;
    const provided = (v) => v.secret && manifests.find("Secret", v.secret.secretName, C.NAMESPACE)?.provided;
    const mounts = (containerOf("StatefulSet", "nats", "nats")?.volumeMounts ?? [])
      .filter((vm) => pod?.volumes?.some((v) => v.name === vm.name && provided(v))).map((vm) => vm.mountPath);
    const tls = withThrowawayCertificates(natsFiles, mounts, REPO);
    if (!tls) return null;
    try { return testConfig(tls.files, natsEnv); } finally { tls.cleanup(); }
  });
  const auth = natsFiles["auth.conf"];
  if (auth === undefined || probedAuth.has(auth)) continue;
  probedAuth.add(auth);
  await checkAsync(`[${shape.name}] nats-server enforces the users of auth.conf (anonymous refused, each ` +
    "service only its subjects)", async () => {
    const creds = Object.fromEntries(Object.keys(C.SERVICES).map((s) => {
      const e = envOf("Deployment", s, s, `${s}-0`);
      return [s, { user: e.NATS_USER, password: e.NATS_PASSWORD }];
    }));
    creds[C.NATS_ADMIN_USER] = { user: decode("Secret")("nats-admin", "NATS_USER"),
      password: decode("Secret")("nats-admin", "NATS_PASSWORD") };
    return probePermissions(natsFiles, "auth.conf", natsEnv, natsProbeCases(creds));
  });
}

// 3c. Monitoring for kube-prometheus-stack users: k8s/monitoring, applied beside a shape.
// Its custom resources go through the same strict CRD check as every other one.
{
  const MONITORING = "k8s/monitoring";
  let items = [];
  let kubectlDiff = null;
  check(`[monitoring] ${MONITORING} renders (built-in renderer) a ServiceMonitor and a PrometheusRule in namespace ${C.NAMESPACE}`, () => {
    const r = renderDir(ROOT, MONITORING);
    items = r.items;
    kubectlDiff = r.kubectlDiff;
    const kinds = items.map((i) => `${i.doc.kind}/${i.doc.metadata?.namespace}`).sort().join(", ");
    const want = `PrometheusRule/${C.NAMESPACE}, ServiceMonitor/${C.NAMESPACE}`;
    return kinds === want ? [] : [`renders ${kinds}; want ${want}`];
  });
  report(`[monitoring] kubectl kustomize ${MONITORING} renders the same objects as the built-in renderer`,
    kubectlDiff);
  const crds = loadCrds();
  for (const item of items) {
    report(`[monitoring] schema ${item.doc.kind} ${item.doc.metadata?.name} (${item.source}) against its CRD`,
      isCustomResource(crds, item.doc) ? validateCustomResource(crds, item.doc)
        : [`${item.doc.kind} has no CRD in deploy/crds`]);
  }
  const base = shapes.find((x) => x.shape.name === "base");
  const manifests = new Manifests(base.items, { externalSecrets: base.shape.externalSecrets });
  for (const [name, fn] of monitoringChecks(ROOT, manifests)) check(`[monitoring] ${name}`, fn);
}

// 4. Dockerfiles.
check("dockerfile-utils lint Dockerfiles/*", () => dockerfiles.lint(ROOT));
check("Dockerfiles follow the image rules (targets, ports, USER, HEALTHCHECK, layer order)",
  () => dockerfiles.rules(ROOT));

// 5. The checks themselves: known-bad inputs must fail.
if (!opts["no-selftest"]) {
  for (const [name, fn] of selfTests(ROOT)) await checkAsync(`self-test: ${name}`, fn);
}

const skipped = counts.skipped ? `, ${counts.skipped} skipped` : "";
console.log(`manifests: ${counts.passed} passed, ${counts.failed} failed${skipped}`);
process.exitCode = counts.failed ? 1 : 0;
