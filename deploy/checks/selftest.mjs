// Self-tests: known-bad copies of the repo's manifests and Dockerfiles must fail the
// checks, so a check that silently stopped checking is noticed.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { renderBuiltin } from "./render.mjs";
import { Manifests } from "./k8s-model.mjs";
import { SEMANTIC_CHECKS } from "./semantic.mjs";
import * as dockerfiles from "./dockerfiles.mjs";
import YAML from "yaml";

const DEPLOY = path.resolve(import.meta.dirname, "..");
const COPIED = ["k8s", "skaffold.yaml", "Dockerfiles", ".dockerignore"];

/** A scratch copy of the files the checks read; edits: [[relPath, from, to]]. */
function scratchRoot(label, edits) {
  const dir = path.join(DEPLOY, ".tmp", `selftest-${label}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return { dir, apply(root) {
    for (const f of COPIED) cpSync(path.join(root, f), path.join(dir, f), { recursive: true });
    for (const [rel, from, to] of edits) {
      const file = path.join(dir, rel);
      const text = readFileSync(file, "utf8");
      if (!text.includes(from)) throw new Error(`self-test setup: "${from}" not in ${rel}`);
      writeFileSync(file, text.replace(from, to));
    }
    return dir;
  }, remove() { rmSync(dir, { recursive: true, force: true }); } };
}

/** Runs the whole check on a copy with three schema errors, once, for three self-tests. */
function schemaRun(root) {
  let result;
  return () => {
    if (result) return result;
    const scratch = scratchRoot("schema", [
      ["k8s/services/posts.yaml", "\n  replicas: 1\n", "\n  replicaz: 1\n"],
      ["k8s/services/comments.yaml", "containerPort: 4001", 'containerPort: "4001"'],
      ["k8s/services/query.yaml",
        "  selector:\n    matchLabels:\n      app.kubernetes.io/name: query\n", ""],
    ]);
    const dir = scratch.apply(root);
    const run = spawnSync(process.execPath, [path.join(import.meta.dirname, "main.mjs"),
      "--root", dir, "--no-selftest"], { encoding: "utf8" });
    scratch.remove();
    result = { status: run.status, out: `${run.stdout}${run.stderr}` };
    return result;
  };
}

function expectSchemaFailure(run, object, pattern) {
  const { status, out } = run();
  const errors = [];
  if (status !== 1) errors.push(`check-manifests exited ${status}, want 1`);
  const block = new RegExp(`^FAIL schema ${object} .*\\n((?: {7}.*\\n)+)`, "m").exec(out);
  if (!block) errors.push(`no "FAIL schema ${object}" in:\n${out}`);
  else if (!pattern.test(block[1])) errors.push(`"${object}" failed, but not with ${pattern}:\n${block[1]}`);
  return errors;
}

// Semantic mutations: [description, check name fragment, mutate(docs)].
const byName = (docs, kind, name) => docs.find((d) => d.kind === kind && d.metadata.name === name);
const container = (docs, name) => byName(docs, "Deployment", name).spec.template.spec.containers[0];
const envOf = (docs, svc, name) => container(docs, svc).env.find((e) => e.name === name);
const paths = (docs) => byName(docs, "Ingress", "blog").spec.rules[0].http.paths;
const SEMANTIC_MUTATIONS = [
  ["a Service selector that matches no pod", "select existing pods",
    (d) => { byName(d, "Service", "comments").spec.selector["app.kubernetes.io/name"] = "coments"; }],
  ["a Service targetPort that is no container port", "select existing pods",
    (d) => { byName(d, "Service", "query").spec.ports[0].targetPort = "web"; }],
  ["a probe on a port the container does not have", "probe ports",
    (d) => { container(d, "posts").readinessProbe.httpGet.port = 4999; }],
  ["an env var from a Secret key that does not exist", "ConfigMap/Secret keys",
    (d) => { envOf(d, "posts", "DB_PASSWORD").valueFrom.secretKeyRef.key = "APP_PASWORD"; }],
  ["an env var from a ConfigMap that does not exist", "ConfigMap/Secret keys",
    (d) => { envOf(d, "moderation", "BANNED_WORDS").valueFrom.configMapKeyRef.name = "moderation-cfg"; }],
  ["a $(VAR) reference to an undefined env var", "ConfigMap/Secret keys",
    (d) => { const e = envOf(d, "query", "DATABASE_URL"); e.value = e.value.replace("DB_PASSWORD", "DB_PASS"); }],
  ["an image that is no Dockerfile target", "images match",
    (d) => { container(d, "comments").image = "blog/comment"; }],
  ["an ingress path spelt differently", "ingress routes",
    (d) => { paths(d)[0].path = "/post/create"; }],
  ["an ingress path of pathType Prefix", "ingress routes",
    (d) => { paths(d)[1].pathType = "Prefix"; }],
  ["an ingress without the use-regex annotation", "ingress routes",
    (d) => { delete byName(d, "Ingress", "blog").metadata.annotations; }],
  ["an ingress backend on the wrong service", "ingress routes",
    (d) => { paths(d)[2].backend.service.name = "posts"; }],
  ["a grace period shorter than the drain", "follow the contract",
    (d) => { byName(d, "Deployment", "query").spec.template.spec.terminationGracePeriodSeconds = 10; }],
  ["a service with 1 replica where 2 are required", "follow the contract",
    (d) => { byName(d, "Deployment", "moderation").spec.replicas = 1; }],
  ["stream replicas that differ from the NATS cluster size", "3-node JetStream",
    (d) => { byName(d, "ConfigMap", "blog-config").data.STREAM_REPLICAS = "1"; }],
  ["a database reachable by another service", "each DB admits only",
    (d) => { byName(d, "NetworkPolicy", "posts-db").spec.ingress[0].from[0].podSelector
      .matchLabels["app.kubernetes.io/name"] = "query"; }],
  ["a pod that may run as root", "Pod Security",
    (d) => { delete byName(d, "StatefulSet", "nats").spec.template.spec.securityContext.runAsNonRoot; }],
];

const DOCKERFILE_MUTATIONS = [
  ["an unknown Dockerfile instruction fails lint", "lint",
    ["Dockerfiles/Dockerfile", "\nRUN apt-get update", "\nRUNN apt-get update"]],
  ["a package install after COPY of the sources fails", "rules",
    ["Dockerfiles/Dockerfile", "WORKDIR /src\nCOPY . .\n", "WORKDIR /src\nCOPY . .\nRUN apt-get update " +
      "&& apt-get install -y --no-install-recommends gdb && rm -rf /var/lib/apt/lists/*\n"]],
  ["a runtime image without a non-root USER fails", "rules",
    ["Dockerfiles/Dockerfile", "USER 10001:10001\n", ""]],
  ["a service image exposing the wrong port fails", "rules",
    ["Dockerfiles/Dockerfile", "EXPOSE 4002", "EXPOSE 4012"]],
];

export function selfTests(root) {
  const run = schemaRun(root);
  const base = renderBuiltin(path.join(root, "k8s")).map((i) => i.doc);
  const ctx = { skaffold: YAML.parse(readFileSync(path.join(root, "skaffold.yaml"), "utf8")),
    dockerTargets: dockerfiles.serviceTargets(root),
    natsConf: byName(base, "ConfigMap", "nats-config")?.data?.["nats.conf"] };
  return [
    ["k8s copy with `replicas` misspelt `replicaz` fails: unknown field",
      () => expectSchemaFailure(run, "Deployment posts", /spec\.replicaz: .*'"replicaz"' does not exist/)],
    ["k8s copy with containerPort as a string fails: wrong type",
      () => expectSchemaFailure(run, "Deployment comments", /containerPort: .*not assignable to type 'number'/)],
    ["k8s copy without a Deployment selector fails: missing required field",
      () => expectSchemaFailure(run, "Deployment query", /at spec: .*'"selector"' is missing/)],
    ...SEMANTIC_MUTATIONS.map(([what, checkName, mutate]) => [`semantic check catches ${what}`, () => {
      const docs = structuredClone(base);
      mutate(docs);
      const [name, fn] = SEMANTIC_CHECKS.find(([n]) => n.includes(checkName));
      return fn(new Manifests(docs.map((doc) => ({ doc, source: "mutated" }))), ctx).length
        ? [] : [`"${name}" passed a manifest with ${what}`];
    }]),
    ...DOCKERFILE_MUTATIONS.map(([what, which, edit], n) => [what, () => {
      const scratch = scratchRoot(`docker${n}`, [edit]);
      try {
        return dockerfiles[which](scratch.apply(root)).length ? [] : [`Dockerfile check passed: ${what}`];
      } finally {
        scratch.remove();
      }
    }]),
  ];
}
