// deploy/check-manifests runs this: every check of k8s/, skaffold.yaml and Dockerfiles/,
// one line each, then "manifests: N passed, M failed". Exit 1 if any check failed.
//
//   node deploy/checks/main.mjs [--root DIR] [--no-selftest]
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import YAML from "yaml";
import { renderBuiltin, renderKubectl, unhash, diffRenderings, idOf } from "./render.mjs";
import { typecheck, kubernetesUnit } from "./schema.mjs";
import { Manifests } from "./k8s-model.mjs";
import { SEMANTIC_CHECKS } from "./semantic.mjs";
import * as skaffold from "./skaffold.mjs";
import * as dockerfiles from "./dockerfiles.mjs";
import { testConfig, containerEnv, localAuthorization, probePermissions } from "./nats.mjs";
import * as C from "./contract.mjs";
import { selfTests } from "./selftest.mjs";
import { monitoringChecks } from "./monitoring.mjs";

const { values: opts } = parseArgs({ options: {
  root: { type: "string", default: path.resolve(import.meta.dirname, "..", "..") },
  "no-selftest": { type: "boolean", default: false },
} });
const ROOT = path.resolve(opts.root);
const K8S = "k8s";

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

// 1. Rendering: the built-in renderer always; kubectl's (authoritative) when installed.
let items = [];
check("kustomization renders (built-in renderer)", () => {
  items = renderBuiltin(path.join(ROOT, K8S));
  return [];
});
check("kubectl kustomize renders the same objects as the built-in renderer", () => {
  const rendered = renderKubectl(path.join(ROOT, K8S));
  if (rendered === null) return null;
  const generators = new Set(items.filter((i) => i.generated).map((i) => i.doc.metadata.name));
  const plain = unhash(rendered, generators);
  const diff = diffRenderings(items.map((i) => i.doc), plain);
  // Check what kubectl would apply (less the name hashes, which the semantic checks do
  // not know), keeping the built-in renderer's sources for messages.
  const sources = new Map(items.map((i) => [idOf(i.doc), i.source]));
  items = plain.map((doc) => ({ doc, source: sources.get(idOf(doc)) ?? "kubectl" }));
  return diff;
});

let skaffoldConfig = {};
check("skaffold.yaml parses", () => {
  skaffoldConfig = YAML.parse(readFileSync(path.join(ROOT, "skaffold.yaml"), "utf8"));
  return [];
});

// 2. Strict schemas: one tsc run over every object and skaffold.yaml.
{
  const units = [];
  const broken = [];
  for (const item of items) {
    try { units.push(kubernetesUnit(item)); } catch (e) { broken.push(e.message); }
  }
  units.push(skaffold.skaffoldUnit(skaffoldConfig));
  if (broken.length) report("every object has a kubernetes-models schema", broken);
  let results = new Map();
  check(`tsc --strict ran over ${units.length} typed documents`, () => {
    results = typecheck(units, "schema");
    return [];
  });
  for (const u of units) {
    if (results.has(u.name)) report(`schema ${u.name.replace("-", " ")} (${u.source})`, results.get(u.name));
  }
}

// 3. What schemas cannot see.
const manifests = new Manifests(items);
let dockerTargets = new Set();
check("Dockerfile targets are readable", () => { dockerTargets = dockerfiles.serviceTargets(ROOT); return []; });
const natsFiles = items.find((i) => i.doc.kind === "ConfigMap" && i.doc.data?.["nats.conf"])?.doc.data;
const ctx = {
  skaffold: skaffoldConfig,
  dockerTargets,
  natsFiles,
  natsConf: natsFiles?.["nats.conf"],
  localNatsAuth: null,
};
check("scripts/nats-auth (the local NATS users) prints a readable authorization block", () => {
  // The local setup of the repo the checks live in, also when --root points elsewhere.
  ctx.localNatsAuth = localAuthorization(existsSync(path.join(ROOT, "scripts")) ? ROOT
    : path.resolve(import.meta.dirname, "..", ".."));
  return ctx.localNatsAuth ? [] : null;
});
for (const [name, fn] of SEMANTIC_CHECKS) check(`semantic: ${name}`, () => fn(manifests, ctx));
check("semantic: skaffold.yaml builds every image target and deploys k8s/",
  () => skaffold.rules(skaffoldConfig, K8S));

// 3b. nats.conf under a real nats-server, with the environment Kubernetes would give.
const decode = (kind) => (name, key) => {
  const d = manifests.find(kind, name, C.NAMESPACE);
  const v = d?.data?.[key];
  return v === undefined ? undefined : kind === "Secret" ? Buffer.from(v, "base64").toString("utf8") : v;
};
const envOf = (kind, name, container, podName) => containerEnv(
  manifests.find(kind, name, C.NAMESPACE)?.spec?.template?.spec?.containers
    ?.find((c) => c.name === container),
  { podName, secret: decode("Secret"), configMap: decode("ConfigMap") });
check("nats-server -t accepts the cluster's nats.conf with the pod's environment", () =>
  (natsFiles === undefined ? ["no ConfigMap holds nats.conf"]
    : testConfig(natsFiles, envOf("StatefulSet", "nats", "nats", "nats-0"))));
await checkAsync("nats-server enforces the users of auth.conf (anonymous refused, each service only its subjects)",
  async () => {
    if (!natsFiles?.["auth.conf"]) return ["the nats ConfigMap has no auth.conf"];
    const creds = Object.fromEntries(Object.keys(C.SERVICES).map((s) => {
      const e = envOf("Deployment", s, s, `${s}-0`);
      return [s, { user: e.NATS_USER, password: e.NATS_PASSWORD }];
    }));
    creds[C.NATS_ADMIN_USER] = { user: decode("Secret")("nats-admin", "NATS_USER"),
      password: decode("Secret")("nats-admin", "NATS_PASSWORD") };
    return probePermissions(natsFiles, "auth.conf", envOf("StatefulSet", "nats", "nats", "nats-0"),
      natsProbeCases(creds));
  });

/** What issue 8 asks of the NATS users, as probe cases (see nats.mjs probePermissions). */
function natsProbeCases(creds) {
  const cases = [
    { op: "connect", allowed: false },   // anonymous
    { op: "connect", user: creds.posts.user, password: `${creds.posts.password}x`, allowed: false },
    { op: "pub", ...creds[C.NATS_ADMIN_USER], subject: "blog.comment.created", allowed: true },
  ];
  const all = Object.entries(C.NATS_EVENTS);
  for (const [s, ev] of all) {
    cases.push({ op: "connect", ...creds[s], allowed: true });
    for (const [other, oev] of all) {
      for (const subject of oev.publishes) cases.push({ op: "pub", ...creds[s], subject, allowed: other === s });
      for (const type of oev.consumes.slice(0, 1)) {
        cases.push({ op: "pub", ...creds[s], subject: `$JS.API.CONSUMER.DURABLE.CREATE.BLOG.${other}-${type}`,
          allowed: other === s });
      }
    }
    cases.push({ op: "sub", ...creds[s], subject: "blog.>", allowed: false },
      { op: "sub", ...creds[s], subject: "_INBOX.probe", allowed: true });
  }
  return cases;
}

// 3c. Monitoring for kube-prometheus-stack users (k8s/monitoring, applied beside the base).
for (const [name, fn] of monitoringChecks(ROOT, manifests)) check(`monitoring: ${name}`, fn);
check("monitoring: kubectl kustomize k8s/monitoring renders a ServiceMonitor and a PrometheusRule in namespace blog",
  () => {
    const docs = renderKubectl(path.join(ROOT, K8S, "monitoring"));
    if (docs === null) return null;
    const kinds = docs.map((d) => `${d.kind}/${d.metadata?.namespace}`).sort().join(", ");
    const want = `PrometheusRule/${C.NAMESPACE}, ServiceMonitor/${C.NAMESPACE}`;
    return kinds === want ? [] : [`renders ${kinds}; want ${want}`];
  });

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
