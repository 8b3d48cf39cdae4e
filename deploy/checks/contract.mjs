// What the manifests must say, from the services' contract (DESIGN.md, issue 5). The
// semantic checks compare the rendered manifests against this, not against themselves.
export const SERVICES = {
  posts: { port: 4000 },
  comments: { port: 4001 },
  query: { port: 4002 },
  moderation: { port: 4003 },
};

// The shapes the repo deploys, each checked in full: the kustomizations it applies
// together, the replicas of each service, where PostgreSQL comes from, and what else the
// shape promises. Secrets a shape expects the deployer (or cert-manager) to create are
// externalSecrets, with their keys.
const BASE = {
  replicas: { posts: 1, comments: 2, query: 2, moderation: 2 },
  postgres: "statefulset",      // one PostgreSQL StatefulSet per service (k8s/base/postgres)
  pdbEveryDeployment: false,    // posts runs one replica: a PDB would block node drains
  natsOnDistinctNodes: false,   // preferred anti-affinity only: fits a one-node cluster
  tls: false,
  externalSecrets: {},
};
export const SHAPES = [
  { name: "base", dirs: ["k8s"], ...BASE },
  { name: "ha", dirs: ["k8s/overlays/ha", "k8s/overlays/ha-databases"], ...BASE,
    replicas: { posts: 2, comments: 2, query: 2, moderation: 2 },
    postgres: "cnpg", pdbEveryDeployment: true, natsOnDistinctNodes: true },
  { name: "tls", dirs: ["k8s/overlays/tls"], ...BASE, tls: true,
    externalSecrets: { "nats-tls": ["tls.crt", "tls.key", "ca.crt"] } },
];

// The page: static files served by nginx (the `client` Dockerfile target), no NATS, no DB.
export const CLIENT = { name: "client", port: 8080, replicas: 2 };

export const NAMESPACE = "blog";
export const NAMESPACE_FILE = "k8s/namespace.yaml";   // applied once, in no kustomization
export const IMAGE_REPO = "blog";                    // images are blog/<service>
export const DOCKERFILE = "Dockerfiles/Dockerfile";  // one target per service
// Upstream images, pinned to exact versions (deploy/README.md says how to refresh them).
export const UPSTREAM_IMAGES = new Set(["nats:2.10.29-alpine", "postgres:15.19-bookworm"]);
export const NATS_REPLICAS = 3;
export const NATS_PROBE_TIMEOUT_S = 5;              // as the official NATS Helm chart
export const NATS_GOMEMLIMIT_PERCENT = 90;          // of the nats container's memory limit
export const PRESTOP_BUDGET_S = 5;                  // longest preStop sleep allowed

// Every password in a Secret (keys named *password*): it is parsed by nats-server as
// configuration and pasted into URLs (DATABASE_URL, the NATS route URLs).
export const PASSWORD_RULE = /^[A-Za-z][A-Za-z0-9-]{15,}$/;
export const PASSWORD_RULE_TEXT = "letters, digits and dashes, starting with a letter, 16 or more characters";

// CloudNativePG (shape ha): one Cluster <service>-db each.
export const CNPG = {
  instances: 3,
  postgresMajor: 15,
  operatorNamespace: "cnpg-system",
  operatorLabels: { "app.kubernetes.io/name": "cloudnative-pg" },
};

export const INGRESS = {
  host: "posts.com",
  className: "nginx",
  annotations: { "nginx.ingress.kubernetes.io/use-regex": "true" },
  pathType: "ImplementationSpecific",
  paths: [
    { path: "/posts/create", service: "posts", port: 4000 },
    { path: "/posts/?(.*)/comments", service: "comments", port: 4001 },
    { path: "/posts", service: "query", port: 4002 },
    // The page takes everything else (issue 9).
    { path: "/?(.*)", service: "client", port: 8080 },
  ],
  optional: [],
  // Requests and the service ingress-nginx must route each to.
  routing: [
    ["/posts/create", "posts"],
    ["/posts/0b6c1c2e-1f0a-4a57-9d43-2b3c4d5e6f70/comments", "comments"],
    ["/posts", "query"],
    ["/posts/0b6c1c2e-1f0a-4a57-9d43-2b3c4d5e6f70", "query"],
    ["/", "client"],
    ["/index.html", "client"],
    ["/config.js", "client"],
    ["/app.js", "client"],
  ],
};

// Environment every service container must get, and its source.
export const REQUIRED_ENV = [
  "PORT", "NATS_URL", "DATABASE_URL", "STREAM_REPLICAS", "STREAM_STORAGE", "LOG_LEVEL",
  "SHUTDOWN_TIMEOUT_MS",
];

// NATS (issue 8): one user per service, allowed exactly what scripts/nats-auth allows it
// locally. Events each service publishes, and the event types of the durable consumers
// "<service>-<type>" it owns.
export const NATS_EVENTS = {
  posts: { publishes: ["blog.post.created"], consumes: [] },
  comments: { publishes: ["blog.comment.created", "blog.comment.updated"],
    consumes: ["PostCreated", "CommentModerated"] },
  moderation: { publishes: ["blog.comment.moderated"], consumes: ["CommentCreated"] },
  query: { publishes: [], consumes: ["PostCreated", "CommentCreated", "CommentUpdated"] },
};
// Metrics (issue 17): each service also reads the info of the consumers of the events it
// publishes, so a backlog is visible while the consumer's own service is down; query looks up
// stored events to report its read model's lag.
export const NATS_WATCHES = {
  posts: ["comments-PostCreated", "query-PostCreated"],
  comments: ["moderation-CommentCreated", "query-CommentCreated", "query-CommentUpdated"],
  moderation: ["comments-CommentModerated"],
  query: [],
};
export const NATS_STREAM_READS = { query: ["$JS.API.STREAM.MSG.GET.BLOG"] };
export const NATS_ADMIN_USER = "admin";     // operators: no restrictions
export const NATS_ROUTE_USER = "route";     // the nodes' routes (cluster authorization)

/** The publish and subscribe allow lists of a service's NATS user. */
export function natsPermissions(service) {
  const { publishes, consumes } = NATS_EVENTS[service];
  const publish = [...publishes];
  for (const type of consumes) {
    const c = `${service}-${type}`;
    publish.push(`dlq.${c}`, `$JS.API.CONSUMER.INFO.BLOG.${c}`, `$JS.API.CONSUMER.DELETE.BLOG.${c}`,
      `$JS.API.CONSUMER.DURABLE.CREATE.BLOG.${c}`, `$JS.API.CONSUMER.CREATE.BLOG.${c}`,
      `$JS.API.CONSUMER.CREATE.BLOG.${c}.>`, `$JS.API.CONSUMER.MSG.NEXT.BLOG.${c}`,
      `$JS.ACK.BLOG.${c}.>`);
  }
  for (const c of NATS_WATCHES[service]) publish.push(`$JS.API.CONSUMER.INFO.BLOG.${c}`);
  publish.push(...(NATS_STREAM_READS[service] ?? []));
  publish.push("$JS.API.INFO", "$JS.API.STREAM.INFO.*", "$JS.API.STREAM.CREATE.*",
    "$JS.API.STREAM.UPDATE.*");
  return { publish, subscribe: ["_INBOX.>"] };
}

// Monitoring (issue 17): each service serves GET /metrics alone on METRICS_PORT, which
// Prometheus in namespace monitoring may reach; nothing else of the service.
export const METRICS_PORT = 9464;
export const MONITORING_NAMESPACE = "monitoring";

// NetworkPolicy (issue 8): the only connections allowed, as [from, to, port, protocol].
// Pods are named by their app.kubernetes.io/name label; "ingress-nginx" is the ingress
// controller (namespace ingress-nginx), "kube-dns" the cluster DNS (namespace kube-system),
// "prometheus" the monitoring system (namespace monitoring), "cnpg-operator" CloudNativePG's
// operator, "kube-apiserver" and "internet" addresses outside the pod network.
export const INGRESS_NAMESPACE = "ingress-nginx";
export function allowedConnections(shape) {
  const allowed = [];
  const dns = (from) => allowed.push([from, "kube-dns", 53, "UDP"], [from, "kube-dns", 53, "TCP"]);
  for (const s of Object.keys(SERVICES)) {
    allowed.push([s, "nats", 4222, "TCP"], [s, `${s}-db`, 5432, "TCP"]);
    allowed.push(["prometheus", s, METRICS_PORT, "TCP"]);
    dns(s);
  }
  for (const p of INGRESS.paths) allowed.push(["ingress-nginx", p.service, p.port, "TCP"]);
  allowed.push(["nats", "nats", 6222, "TCP"]);
  dns("nats");
  if (shape.postgres === "cnpg") {
    // CloudNativePG: instances replicate to each other and talk to their instance
    // managers; the operator reaches both ports; each instance manager uses the Kubernetes
    // API, which no selector can name, so any outside address on 443 and 6443.
    for (const s of Object.keys(SERVICES)) {
      const db = `${s}-db`;
      for (const port of [5432, 8000]) allowed.push([db, db, port, "TCP"], ["cnpg-operator", db, port, "TCP"]);
      allowed.push([db, "kube-apiserver", 443, "TCP"], [db, "kube-apiserver", 6443, "TCP"],
        [db, "internet", 443, "TCP"]);
      dns(db);
    }
  }
  // cert-manager's HTTP-01 solver, reached through the ingress controller.
  if (shape.tls) allowed.push(["ingress-nginx", "cm-acme-http-solver", 8089, "TCP"]);
  return allowed;
}
