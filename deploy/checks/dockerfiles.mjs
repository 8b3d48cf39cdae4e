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
  const ignoreFile = path.join(root, ".dockerignore");
  const ignore = existsSync(ignoreFile) ? readFileSync(ignoreFile, "utf8").split("\n").map((l) => l.trim()) : [];
  for (const want of [".git", "build", "**/node_modules", ".data"]) {
    if (!ignore.includes(want)) errors.push(`.dockerignore must exclude ${want}`);
  }
  return errors;
}
