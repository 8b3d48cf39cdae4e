// A tiny static server for client/dist (node only, no packages).
//
//   node serve.mjs [--port N] [--host H]      (or PORT, HOST; default localhost:3000)
//
// It answers /config.js itself, from POSTS_URL, COMMENTS_URL and QUERY_URL (defaults: the
// local services on ports 4000-4002), so one build serves any setup. Files are sent
// pre-gzipped when the browser accepts it, with an ETag; a Content-Security-Policy allows
// nothing but this origin and the three API origins.

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("dist/", import.meta.url));

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i > 0 && process.argv[i + 1]) return process.argv[i + 1];
  return process.env[name.toUpperCase()] || fallback;
}

const port = Number(option("port", "3000"));
const host = option("host", "localhost");
const api = {
  posts: process.env.POSTS_URL ?? "http://localhost:4000",
  comments: process.env.COMMENTS_URL ?? "http://localhost:4001",
  query: process.env.QUERY_URL ?? "http://localhost:4002",
};
const config = `window.BLOG_API = ${JSON.stringify(api)};\n`;

const origins = [...new Set(Object.values(api).filter(Boolean).map((u) => new URL(u).origin))];
const headers = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Content-Security-Policy":
    `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; ` +
    `connect-src 'self' ${origins.join(" ")}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
};

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

async function file(path, gzip) {
  if (gzip) {
    try {
      const s = await stat(path + ".gz");
      return { body: await readFile(path + ".gz"), etag: `"${s.size}-${s.mtimeMs}-gz"`, gzip };
    } catch {
      // no .gz beside it: send it plain
    }
  }
  const s = await stat(path);
  if (!s.isFile()) throw Object.assign(new Error("not a file"), { code: "ENOENT" });
  return { body: await readFile(path), etag: `"${s.size}-${s.mtimeMs}"`, gzip: false };
}

const server = createServer(async (req, res) => {
  const send = (status, body, extra = {}) => {
    res.writeHead(status, { ...headers, ...extra });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  if (req.method !== "GET" && req.method !== "HEAD") {
    return send(405, "method not allowed\n", { Allow: "GET, HEAD", "Content-Type": "text/plain" });
  }
  let path;
  try {
    path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  } catch {
    return send(400, "bad path\n", { "Content-Type": "text/plain" });
  }
  if (path === "/") path = "/index.html";
  const type = types[extname(path)] ?? "application/octet-stream";
  const common = { "Content-Type": type, "Cache-Control": "no-cache" };
  if (path === "/config.js") return send(200, config, common);

  const full = normalize(join(root, path));
  if (!full.startsWith(root) || `${sep}${full.slice(root.length)}`.includes(`${sep}.`)) {
    return send(404, "not found\n", { "Content-Type": "text/plain" });
  }
  try {
    const f = await file(full, /\bgzip\b/.test(req.headers["accept-encoding"] ?? ""));
    const extra = { ...common, ETag: f.etag, Vary: "Accept-Encoding" };
    if (f.gzip) extra["Content-Encoding"] = "gzip";
    if (req.headers["if-none-match"] === f.etag) return send(304, undefined, extra);
    return send(200, f.body, { ...extra, "Content-Length": f.body.length });
  } catch (e) {
    if (e.code === "ENOENT" || e.code === "ENOTDIR") {
      return send(404, "not found\n", { "Content-Type": "text/plain" });
    }
    console.error(`client: ${req.method} ${path}: ${e.message}`);
    return send(500, "internal error\n", { "Content-Type": "text/plain" });
  }
});

try {
  await stat(join(root, "index.html"));
} catch {
  console.error(`client: ${root} has no index.html; run client/build first`);
  process.exit(1);
}
server.on("error", (e) => {
  console.error(`client: cannot listen on ${host}:${port}: ${e.message}`);
  process.exit(1);
});
server.listen(port, host, () => {
  const shown = host === "0.0.0.0" || host === "::" ? "localhost" : host;
  console.log(`client: serving http://${shown}:${server.address().port}/ (api ${JSON.stringify(api)})`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
