// Checks of Dockerfiles/ and .dockerignore: lint, and the rules of issue 5 that a linter
// does not know (service targets, ports, non-root user, HEALTHCHECK, layer order).
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import path from "node:path";
import * as C from "./contract.mjs";

const LINTER = path.resolve(import.meta.dirname, "..", "node_modules", "dockerfile-utils",
  "bin", "dockerfile-utils");

/** Parses a Dockerfile into stages [{name, from, instructions: [{op, args}]}]. */
export function parseDockerfile(text) {
  const lines = text.replace(/\\\r?\n/g, " ").split("\n")
    .map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const stages = [];
  for (const line of lines) {
    const [, op, args = ""] = /^(\S+)\s*(.*)$/.exec(line);
    const OP = op.toUpperCase();
    if (OP === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args.replace(/--platform=\S+\s+/, ""));
      stages.push({ name: m?.[2]?.toLowerCase() ?? `#${stages.length}`, from: m?.[1], instructions: [] });
    } else if (stages.length) {
      stages.at(-1).instructions.push({ op: OP, args });
    }
  }
  return stages;
}

/** The value an instruction (USER, ENTRYPOINT…) has in a stage, following FROM <stage>. */
function inherited(stages, stage, op) {
  for (let s = stage; s; s = stages.find((x) => x.name === s.from)) {
    const hit = s.instructions.filter((i) => i.op === op).at(-1);
    if (hit) return hit.args;
  }
  return undefined;
}

export function dockerfileFiles(root) {
  const dir = path.join(root, "Dockerfiles");
  return readdirSync(dir).filter((f) => /(^|\.)Dockerfile$/.test(f)).map((f) => path.join(dir, f));
}

export function lint(root) {
  const errors = [];
  for (const file of dockerfileFiles(root)) {
    try {
      const out = execFileSync(process.execPath, [LINTER, "lint", file],
        { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      // Warnings exit 0 but still print: treat them as failures too.
      if (out.trim()) errors.push(`${path.relative(root, file)}:\n${out.trim()}`);
    } catch (e) {
      errors.push(`${path.relative(root, file)}:\n${(e.stdout ?? "") + (e.stderr ?? "")}`.trim());
    }
  }
  return errors;
}

export function serviceTargets(root) {
  return new Set(parseDockerfile(readFileSync(path.join(root, C.DOCKERFILE), "utf8"))
    .map((s) => s.name));
}

export function rules(root) {
  const errors = [];
  const stages = parseDockerfile(readFileSync(path.join(root, C.DOCKERFILE), "utf8"));
  for (const [name, { port }] of Object.entries(C.SERVICES)) {
    const st = stages.find((s) => s.name === name);
    if (!st) { errors.push(`${C.DOCKERFILE}: no target ${name}`); continue; }
    const has = (op, re) => st.instructions.some((i) => i.op === op && re.test(i.args));
    if (!has("EXPOSE", new RegExp(`^${port}(/tcp)?$`))) errors.push(`${name}: must EXPOSE ${port}`);
    if (!has("ENV", new RegExp(`(^|\\s)PORT=${port}(\\s|$)`))) errors.push(`${name}: must set ENV PORT=${port}`);
    if (!has("HEALTHCHECK", /CMD.*\/healthz/)) errors.push(`${name}: needs a HEALTHCHECK on /healthz`);
    if (!has("COPY", new RegExp(`--from=builder\\s+\\S*/${name}\\s`))) {
      errors.push(`${name}: must COPY its binary from the builder stage`);
    }
    const user = inherited(stages, st, "USER");
    if (!user || !/^[1-9][0-9]*(:[0-9]+)?$/.test(user)) {
      errors.push(`${name}: must run as a numeric non-root USER (Kubernetes runAsNonRoot checks it), got ${user}`);
    }
    const entry = inherited(stages, st, "ENTRYPOINT") ?? "";
    if (!entry.includes(`/${name}"`)) errors.push(`${name}: ENTRYPOINT must start the ${name} binary`);
  }
  // Base images pinned: one dated Debian tag (debian:bookworm-YYYYMMDD-slim) in every file.
  const bases = new Set();
  for (const file of dockerfileFiles(root)) {
    const arg = /^ARG DEBIAN_IMAGE=(\S+)$/m.exec(readFileSync(file, "utf8"))?.[1];
    if (!/^debian:bookworm-\d{8}-slim$/.test(arg ?? "")) {
      errors.push(`${path.relative(root, file)}: ARG DEBIAN_IMAGE must pin debian:bookworm-YYYYMMDD-slim, got ${arg}`);
    }
    bases.add(arg);
  }
  if (bases.size > 1) errors.push(`Dockerfiles pin different Debian images: ${[...bases].join(", ")}`);
  for (const file of dockerfileFiles(root)) {
    const rel = path.relative(root, file);
    for (const st of parseDockerfile(readFileSync(file, "utf8"))) {
      // Package installs come before the sources, so a source change reuses them.
      const firstCopy = st.instructions.findIndex((i) =>
        (i.op === "COPY" || i.op === "ADD") && !/--from=/.test(i.args));
      st.instructions.forEach((i, n) => {
        if (firstCopy >= 0 && n > firstCopy && i.op === "RUN" && /apt-get (-\S+ )*install/.test(i.args)) {
          errors.push(`${rel} stage ${st.name}: apt-get install after COPY of sources`);
        }
        if (i.op === "RUN" && /apt-get (-\S+ )*install/.test(i.args) &&
          (!/--no-install-recommends/.test(i.args) || !/rm -rf \/var\/lib\/apt\/lists/.test(i.args))) {
          errors.push(`${rel} stage ${st.name}: apt-get install needs --no-install-recommends and ` +
            "must remove /var/lib/apt/lists in the same layer");
        }
      });
    }
  }
  errors.push(...clientRules(stages), ...contextRules(root, stages));
  return errors;
}

/** The page's image (issue 9): built with node in a builder stage, served by nginx. */
function clientRules(stages) {
  const errors = [];
  const { name, port } = C.CLIENT;
  const st = stages.find((s) => s.name === name);
  if (!st) return [`${C.DOCKERFILE}: no target ${name}`];
  const has = (s, op, re) => s.instructions.some((i) => i.op === op && re.test(i.args));
  if (!has(st, "EXPOSE", new RegExp(`^${port}(/tcp)?$`))) errors.push(`${name}: must EXPOSE ${port}`);
  if (!has(st, "HEALTHCHECK", /CMD/)) errors.push(`${name}: needs a HEALTHCHECK`);
  if (!has(st, "RUN", /apt-get (-\S+ )*install .*nginx-light/)) errors.push(`${name}: must serve with Debian's nginx-light`);
  const user = inherited(stages, st, "USER");
  if (!user || !/^[1-9][0-9]*(:[0-9]+)?$/.test(user)) errors.push(`${name}: must run as a numeric non-root USER, got ${user}`);
  const copy = st.instructions.find((i) => i.op === "COPY" && /--from=\S+\s+\S*\/dist\/?\s/.test(i.args));
  const from = copy && /--from=(\S+)/.exec(copy.args)[1];
  const builder = stages.find((s) => s.name === from);
  if (!builder) {
    errors.push(`${name}: must COPY dist/ from a builder stage`);
  } else {
    if (!has(builder, "RUN", /apt-get (-\S+ )*install .*\bnodejs\b.*\bnpm\b/)) {
      errors.push(`${from}: must install Debian's nodejs and npm`);
    }
    const i = builder.instructions;
    const lock = i.findIndex((x) => x.op === "COPY" && /client\/package-lock\.json/.test(x.args));
    const ci = i.findIndex((x) => x.op === "RUN" && /\bnpm ci\b/.test(x.args));
    const src = i.findIndex((x) => x.op === "COPY" && /client\/src/.test(x.args));
    if (lock < 0 || ci < lock || (src >= 0 && ci > src)) {
      errors.push(`${from}: COPY client/package-lock.json, then npm ci, then the sources (cached npm layer)`);
    }
  }
  return errors;
}

/**
 * A .dockerignore pattern as a RegExp (Go filepath.Match plus **), matched against a path
 * relative to the context; like Docker, a pattern also matches everything below a match.
 */
function ignoreRegExp(pattern) {
  const p = pattern.replace(/^\/+/, "").replace(/\/+$/, "");
  let re = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "*" && p[i + 1] === "*") {
      re += p[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += p[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}(?:/.*)?$`);
}

/** True if .dockerignore keeps rel (a path in the context) out of the build context. */
export function ignored(patterns, rel) {
  let out = false;
  for (const raw of patterns) {
    const neg = raw.startsWith("!");
    if (ignoreRegExp(neg ? raw.slice(1) : raw).test(rel)) out = !neg;
  }
  return out;
}

/** Directories the top-level CMakeLists.txt always adds (not those behind an if()). */
function cmakeSubdirs(root) {
  const file = path.join(root, "CMakeLists.txt");
  if (!existsSync(file)) return null;
  const dirs = [];
  let depth = 0;
  for (const line of readFileSync(file, "utf8").split("\n").map((l) => l.replace(/#.*/, "").trim())) {
    if (/^if\s*\(/i.test(line)) depth++;
    else if (/^endif\s*\(/i.test(line)) depth--;
    const m = /^add_subdirectory\(\s*([^\s)]+)/i.exec(line);
    if (m && depth === 0) dirs.push(m[1]);
  }
  return dirs;
}

/**
 * The build context: every COPY source is in it; what must stay out does; and the
 * builder copies exactly CMakeLists.txt and the directories it always builds.
 */
function contextRules(root, stages) {
  const errors = [];
  const ignoreFile = path.join(root, ".dockerignore");
  const patterns = existsSync(ignoreFile) ? readFileSync(ignoreFile, "utf8").split("\n")
    .map((l) => l.trim()).filter((l) => l && !l.startsWith("#")) : [];
  for (const rel of [".git/HEAD", "build/CMakeCache.txt", "build-tools/x", "client/node_modules/x/index.js",
    "client/dist/app.js", "client/test-output/blog.png", ".data/pg/PG_VERSION", "test/unit/x.cpp",
    "deploy/node_modules/x", "k8s/kustomization.yaml", "README.md"]) {
    if (!ignored(patterns, rel)) errors.push(`.dockerignore must keep ${rel} out of the build context`);
  }
  for (const file of dockerfileFiles(root)) {
    const rel = path.relative(root, file);
    for (const st of parseDockerfile(readFileSync(file, "utf8"))) {
      for (const i of st.instructions.filter((x) => (x.op === "COPY" || x.op === "ADD") && !/--from=/.test(x.args))) {
        const args = i.args.split(/\s+/).filter((a) => !a.startsWith("--"));
        for (const src of args.slice(0, -1)) {
          const probe = src === "." ? "CMakeLists.txt" : `${src.replace(/\/+$/, "")}${src.endsWith("/") ? "/x" : ""}`;
          if (ignored(patterns, probe)) errors.push(`${rel} stage ${st.name}: COPY ${src} is excluded by .dockerignore`);
        }
      }
    }
  }
  const subdirs = cmakeSubdirs(root);
  const builder = stages.find((s) => s.name === "builder");
  if (subdirs && builder) {
    const copied = builder.instructions.filter((i) => i.op === "COPY" && !/--from=/.test(i.args))
      .flatMap((i) => i.args.split(/\s+/).filter((a) => !a.startsWith("--")).slice(0, -1))
      .map((a) => a.replace(/\/+$/, ""));
    if (copied.includes(".")) {
      errors.push("builder: COPY . . would put every context file into the compile layer's cache key");
    } else {
      for (const d of ["CMakeLists.txt", ...subdirs]) {
        if (!copied.includes(d)) errors.push(`builder: CMakeLists.txt builds ${d}, which is not copied`);
      }
      for (const d of copied) {
        if (d !== "CMakeLists.txt" && !subdirs.includes(d)) errors.push(`builder: copies ${d}, which CMakeLists.txt does not build`);
      }
    }
  }
  return errors;
}
