// Self-tests: known-bad copies of the repo's manifests and Dockerfiles must fail the
// checks, so a check that silently stopped checking is noticed.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { renderBuiltin } from "./render.mjs";
import { Manifests } from "./k8s-model.mjs";
import { SEMANTIC_CHECKS } from "./semantic.mjs";
import * as dockerfiles from "./dockerfiles.mjs";
import { localAuthorization, probePermissions, testConfig, withThrowawayCertificates } from "./nats.mjs";
import { loadCrds } from "./crd.mjs";
import { kindConfig } from "./kind.mjs";
import * as C from "./contract.mjs";
import { byName, container, envOf, policy, natsFiles, editNats, SHAPE_MUTATIONS, mutationFails,
  crdSelfTests } from "./selftest-shapes.mjs";
import YAML from "yaml";

const DEPLOY = path.resolve(import.meta.dirname, "..");
const COPIED = ["k8s", "skaffold.yaml", "Dockerfiles", ".dockerignore", "CMakeLists.txt", "deploy/kind"];

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

const CLUSTERS = "k8s/overlays/ha-databases/clusters.yaml";

/** Runs the whole check on a copy with five schema errors, once, for five self-tests. */
function schemaRun(root) {
  let result;
  return () => {
    if (result) return result;
    const scratch = scratchRoot("schema", [
      ["k8s/base/services/posts.yaml", "\n  replicas: 1\n", "\n  replicaz: 1\n"],
      ["k8s/base/services/comments.yaml", "containerPort: 4001", 'containerPort: "4001"'],
      ["k8s/base/services/query.yaml",
        "  selector:\n    matchLabels:\n      app.kubernetes.io/name: query\n", ""],
      // Custom resources, checked against their CRD (deploy/crds).
      [CLUSTERS, "  instances: 3\n", "  instancse: 3\n"],
      [CLUSTERS, "PostgreSQL of the comments service\n  instances: 3\n",
        'PostgreSQL of the comments service\n  instances: "3"\n'],
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
  const block = new RegExp(`^FAIL (?:\\[\\w+\\] )?schema ${object} .*\\n((?: {7}.*\\n)+)`, "m").exec(out);
  if (!block) errors.push(`no "FAIL schema ${object}" in:\n${out}`);
  else if (!pattern.test(block[1])) errors.push(`"${object}" failed, but not with ${pattern}:\n${block[1]}`);
  return errors;
}

// Semantic mutations of the base: [description, check name fragment, mutate(docs)].
const paths = (docs) => byName(docs, "Ingress", "blog").spec.rules[0].http.paths;
const natsEnvVar = (docs, name) => byName(docs, "StatefulSet", "nats").spec.template.spec.containers[0]
  .env.find((e) => e.name === name);
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
  ["a writable root filesystem", "read-only root",
    (d) => { byName(d, "StatefulSet", "query-db").spec.template.spec.containers[0].securityContext
      .readOnlyRootFilesystem = false; }],
  ["an added capability", "no capabilities",
    (d) => { container(d, "client").securityContext.capabilities.add = ["NET_BIND_SERVICE"]; }],
  // NATS users (issue 8).
  ["a service allowed to publish another service's event", "NATS users",
    (d) => editNats(d, "auth.conf", '"blog.comment.moderated"', '"blog.comment.moderated"\n"blog.post.created"')],
  ["a service allowed to use another service's consumer", "NATS users",
    (d) => editNats(d, "auth.conf", '"blog.post.created"', '"blog.post.created"\n"$JS.API.CONSUMER.MSG.NEXT.BLOG.query-PostCreated"')],
  ["anonymous clients let in as a service user", "NATS users",
    (d) => editNats(d, "auth.conf", "authorization {", "no_auth_user: query\nauthorization {")],
  ["a NATS password written into the config", "NATS users",
    (d) => editNats(d, "auth.conf", "password: $NATS_PASSWORD_POSTS", "password: hunter2")],
  ["a service without its NATS user", "NATS users",
    (d) => { const c = container(d, "moderation"); c.env = c.env.filter((e) => e.name !== "NATS_USER"); }],
  ["a service logging in with another service's password", "NATS users",
    (d) => { envOf(d, "comments", "NATS_PASSWORD").valueFrom.secretKeyRef.name = "posts-nats"; }],
  ["a k8s NATS user that differs from scripts/nats-auth", "NATS users",
    (d, ctx) => { ctx.localNatsAuth.authorization.users.find((u) => u.user === "query")
      .permissions.publish.allow.pop(); }],
  ["NATS routes without credentials", "routes authenticated",
    (d) => { const e = natsEnvVar(d, "NATS_ROUTES"); e.value = e.value.replaceAll("route:$(NATS_ROUTE_PASSWORD)@", ""); }],
  ["NATS routes that miss a node", "routes authenticated",
    (d) => { const e = natsEnvVar(d, "NATS_ROUTES"); e.value = e.value.replace(/, nats:[^,\]]*nats-2[^,\]]*/, ""); }],
  ["a real-looking password in a Secret", "placeholders only",
    (d) => { byName(d, "Secret", "query-nats").data.NATS_PASSWORD = Buffer.from("Tr0ub4dor&3").toString("base64"); }],
  // NetworkPolicies (issue 8).
  ["no default-deny NetworkPolicy", "default deny",
    (d) => { d.splice(d.findIndex((x) => x.kind === "NetworkPolicy" && x.metadata.name === "default-deny"), 1); }],
  ["a Deployment without a NetworkPolicy of its own", "default deny",
    (d) => { d.splice(d.findIndex((x) => x.kind === "NetworkPolicy" && x.metadata.name === "client"), 1); }],
  ["a service that may reach any address", "default deny",
    (d) => { policy(d, "posts").egress.push({ ports: [{ protocol: "TCP", port: 443 }] }); }],
  // Both ends must allow a connection, so each breach below opens both.
  ["a service that may reach another service's database", "default deny",
    (d) => {
      policy(d, "query").egress[1].to.push({ podSelector: { matchLabels: { "app.kubernetes.io/name": "posts-db" } } });
      policy(d, "posts-db").ingress[0].from.push({ podSelector: { matchLabels: { "app.kubernetes.io/name": "query" } } });
    }],
  ["a database open to the namespace and a service free to reach any pod on its port", "default deny",
    (d) => { policy(d, "comments-db").ingress[0].from = [{ podSelector: {} }]; policy(d, "posts").egress[1].to = []; }],
  ["moderation open to the ingress controller", "default deny",
    (d) => { policy(d, "moderation").ingress = structuredClone(policy(d, "posts").ingress); }],
  // Monitoring (issue 17): Prometheus reaches the metrics port and nothing else.
  ["Prometheus let in on a service's API port", "default deny",
    (d) => { policy(d, "query").ingress[1].ports[0].port = "http"; }],
  ["a service without its metrics port", "follow the contract",
    (d) => { container(d, "posts").env = container(d, "posts").env.filter((e) => e.name !== "METRICS_PORT"); }],
  ["NATS routes closed between the nodes", "default deny",
    (d) => { policy(d, "nats").egress.shift(); }],
  // The page (issue 9).
  ["no catch-all route to the page", "ingress routes",
    (d) => { paths(d).pop(); }],
  ["the page's route on the wrong port", "ingress routes",
    (d) => { paths(d).at(-1).backend.service.port.number = 80; }],
  ["a NodePort Service beside the Ingress", "follow the contract",
    (d) => { byName(d, "Service", "posts").spec.type = "NodePort"; }],
  ["a Secret given to the page", "client Deployment",
    (d) => { container(d, "client").envFrom = [{ secretRef: { name: "posts-db" } }]; }],
];

const DOCKERFILE_MUTATIONS = [
  ["an unknown Dockerfile instruction fails lint", "lint",
    ["Dockerfiles/Dockerfile", "\nRUN apt-get update", "\nRUNN apt-get update"]],
  ["a package install after COPY of the sources fails", "rules",
    ["Dockerfiles/Dockerfile", "COPY CMakeLists.txt ./\n", "COPY CMakeLists.txt ./\nRUN apt-get update " +
      "&& apt-get install -y --no-install-recommends gdb && rm -rf /var/lib/apt/lists/*\n"]],
  ["a builder that does not copy a directory CMakeLists.txt builds fails", "rules",
    ["Dockerfiles/Dockerfile", "COPY verify/ verify/\n", ""]],
  ["a builder that copies the whole context fails", "rules",
    ["Dockerfiles/Dockerfile", "COPY CMakeLists.txt ./\n", "COPY . .\n"]],
  ["a .dockerignore that is no whitelist (lets build trees and .git in) fails", "rules",
    [".dockerignore", "\n*\n", "\n"]],
  ["a COPY of a file .dockerignore leaves out fails", "rules",
    [".dockerignore", "!Dockerfiles/client-nginx.conf\n", ""]],
  ["a client image running as root fails", "rules",
    ["Dockerfiles/Dockerfile", "USER 10001:10001\nENV PORT=8080\n", "ENV PORT=8080\n"]],
  ["a client build that runs npm ci after copying the sources fails", "rules",
    ["Dockerfiles/Dockerfile", "COPY client/package.json client/package-lock.json ./\n", ""]],
  ["a runtime image without a non-root USER fails", "rules",
    ["Dockerfiles/Dockerfile", "USER 10001:10001\n", ""]],
  ["a service image exposing the wrong port fails", "rules",
    ["Dockerfiles/Dockerfile", "EXPOSE 4002", "EXPOSE 4012"]],
  ["a floating Debian base image fails", "rules",
    ["Dockerfiles/nats.Dockerfile", "ARG DEBIAN_IMAGE=debian:bookworm-20260803-slim", "ARG DEBIAN_IMAGE=debian:bookworm-slim"]],
];

/** nats-server itself must refuse broken configurations and report loose permissions. */
function liveNatsTests(base) {
  const files = natsFiles(base);
  const env = { SERVER_NAME: "nats-0", NATS_ROUTE_PASSWORD: "r", NATS_ROUTES: "[]",
    NATS_PASSWORD_ADMIN: "a", NATS_PASSWORD_POSTS: "p", NATS_PASSWORD_COMMENTS: "c",
    NATS_PASSWORD_MODERATION: "m", NATS_PASSWORD_QUERY: "q" };
  const expectFail = (errors, what) => (errors === null ? null : errors.length ? [] : [`passed ${what}`]);
  return [
    ["nats-server -t fails without a password variable in the environment", () => {
      const { NATS_PASSWORD_QUERY: _, ...partial } = env;
      return expectFail(testConfig(files, partial), "a config whose $NATS_PASSWORD_QUERY is unset");
    }],
    ["nats-server -t fails on an auth.conf with a syntax error", () =>
      expectFail(testConfig({ ...files, "auth.conf": files["auth.conf"].replace("users = [", "users = [[") }, env),
        "a broken auth.conf")],
    ["the live permission test catches a service allowed to publish everything", async () =>
      expectFail(await probePermissions({ ...files, "auth.conf": files["auth.conf"]
        .replace('"blog.comment.moderated"', '"blog.comment.moderated"\n">"') }, "auth.conf", env,
      [{ op: "pub", user: "moderation", password: "m", subject: "blog.post.created", allowed: false }]),
      "moderation publishing blog.post.created")],
    ["the live permission test catches anonymous access", async () =>
      expectFail(await probePermissions({ ...files, "auth.conf": `no_auth_user: query\n${files["auth.conf"]}` },
        "auth.conf", env, [{ op: "connect", allowed: false }]), "an anonymous client")],
  ];
}

/** The TLS shape's nats.conf must fail nats-server -t when a certificate file is missing. */
function liveTlsTest(tlsDocs, repo) {
  return ["nats-server -t fails on a TLS block whose certificate file does not exist", () => {
    const files = natsFiles(tlsDocs);
    const broken = { ...files, "tls.conf": files["tls.conf"].replace("/etc/nats-tls/tls.crt", "/etc/nats-tls/none.crt") };
    const tls = withThrowawayCertificates(broken, ["/etc/nats-tls"], repo);
    if (!tls) return null;
    const env = { SERVER_NAME: "nats-0", NATS_ROUTE_PASSWORD: "r", NATS_ROUTES: "[]",
      NATS_PASSWORD_ADMIN: "a", NATS_PASSWORD_POSTS: "p", NATS_PASSWORD_COMMENTS: "c",
      NATS_PASSWORD_MODERATION: "m", NATS_PASSWORD_QUERY: "q" };
    try {
      const errors = testConfig(tls.files, env);
      return errors === null ? null : errors.length ? [] : ["passed a missing certificate file"];
    } finally { tls.cleanup(); }
  }];
}

export function selfTests(root) {
  const run = schemaRun(root);
  const repo = path.resolve(import.meta.dirname, "..", "..");
  const rendered = Object.fromEntries(C.SHAPES.map((s) => [s.name,
    s.dirs.flatMap((dir) => renderBuiltin(path.join(root, dir))).map((i) => i.doc)]));
  const base = rendered.base;
  const shapeOf = (name) => C.SHAPES.find((s) => s.name === name);
  const ctxOf = (name) => {
    const docs = rendered[name];
    return { shape: shapeOf(name), skaffold: YAML.parse(readFileSync(path.join(root, "skaffold.yaml"), "utf8")),
      dockerTargets: dockerfiles.serviceTargets(root),
      natsConf: byName(docs, "ConfigMap", "nats-config")?.data?.["nats.conf"],
      localNatsAuth: localAuthorization(repo) };
  };
  const ctx = ctxOf("base");
  const manifestsOf = (name) => (docs) => new Manifests(docs.map((doc) => ({ doc, source: name })),
    { externalSecrets: shapeOf(name).externalSecrets });
  const semantic = (what, checkName, mutate, shapeName = "base") => [
    `semantic check catches ${what}${shapeName === "base" ? "" : ` [${shapeName}]`}`, () => {
      const check = SEMANTIC_CHECKS.find(([n]) => n.includes(checkName));
      if (!check) return [`no semantic check named like "${checkName}"`];
      return mutationFails(check, rendered[shapeName], shapeName === "base" ? ctx : ctxOf(shapeName), mutate, what,
        manifestsOf(shapeName));
    }];
  return [
    ["k8s copy with `replicas` misspelt `replicaz` fails: unknown field",
      () => expectSchemaFailure(run, "Deployment posts", /spec\.replicaz: .*'"replicaz"' does not exist/)],
    ["k8s copy with containerPort as a string fails: wrong type",
      () => expectSchemaFailure(run, "Deployment comments", /containerPort: .*not assignable to type 'number'/)],
    ["k8s copy without a Deployment selector fails: missing required field",
      () => expectSchemaFailure(run, "Deployment query", /at spec: .*'"selector"' is missing/)],
    ["k8s copy with a Cluster field misspelt fails against the CRD: unknown field",
      () => expectSchemaFailure(run, "Cluster posts-db", /at spec: must NOT have additional properties "instancse"/)],
    ["k8s copy with a Cluster's instances as a string fails against the CRD: wrong type",
      () => expectSchemaFailure(run, "Cluster comments-db", /at spec\.instances: must be integer/)],
    ...crdSelfTests(loadCrds(), rendered.ha),
    ...SEMANTIC_MUTATIONS.map(([what, checkName, mutate]) => semantic(what, checkName, mutate)),
    ...SHAPE_MUTATIONS.map(([what, checkName, mutate, shapeName]) => semantic(what, checkName, mutate, shapeName)),
    ...liveNatsTests(base),
    liveTlsTest(rendered.tls, repo),
    ...[["a kind cluster for HA with two workers fails", "ha.yaml", 3, "  - role: worker\n", ""],
      ["a kind cluster whose ingress node maps no port 443 fails", "cluster.yaml", 0, "hostPort: 443", "hostPort: 8443"]]
      .map(([what, file, workers, from, to], n) => [what, () => {
        const scratch = scratchRoot(`kind${n}`, [[`deploy/kind/${file}`, from, to]]);
        try {
          return kindConfig(scratch.apply(root), file, workers).length ? [] : [`kind check passed: ${what}`];
        } finally {
          scratch.remove();
        }
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
