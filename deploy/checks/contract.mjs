// What the manifests must say, from the services' contract (DESIGN.md, issue 5). The
// semantic checks compare the rendered manifests against this, not against themselves.
export const SERVICES = {
  posts: { port: 4000, replicas: 1 },
  comments: { port: 4001, replicas: 2 },
  query: { port: 4002, replicas: 2 },
  moderation: { port: 4003, replicas: 2 },
};

export const NAMESPACE = "blog";
export const IMAGE_REPO = "blog";                    // images are blog/<service>
export const DOCKERFILE = "Dockerfiles/Dockerfile";  // one target per service
export const UPSTREAM_IMAGES = new Set(["nats:2.10-alpine", "postgres:15"]);
export const NATS_REPLICAS = 3;
export const PRESTOP_BUDGET_S = 5;                  // longest preStop sleep allowed

export const INGRESS = {
  host: "posts.com",
  className: "nginx",
  annotations: { "nginx.ingress.kubernetes.io/use-regex": "true" },
  pathType: "ImplementationSpecific",
  paths: [
    { path: "/posts/create", service: "posts", port: 4000 },
    { path: "/posts/?(.*)/comments", service: "comments", port: 4001 },
    { path: "/posts", service: "query", port: 4002 },
  ],
  // The client page may take the catch-all route later (issue 5 leaves room for it).
  optional: [{ path: "/?(.*)", service: "client", port: 80 }],
  // Requests and the service ingress-nginx must route each to.
  routing: [
    ["/posts/create", "posts"],
    ["/posts/0b6c1c2e-1f0a-4a57-9d43-2b3c4d5e6f70/comments", "comments"],
    ["/posts", "query"],
    ["/posts/0b6c1c2e-1f0a-4a57-9d43-2b3c4d5e6f70", "query"],
  ],
};

// Environment every service container must get, and its source.
export const REQUIRED_ENV = [
  "PORT", "NATS_URL", "DATABASE_URL", "STREAM_REPLICAS", "STREAM_STORAGE", "LOG_LEVEL",
  "SHUTDOWN_TIMEOUT_MS",
];
