// Strict schema validation: each object becomes a TypeScript constant typed with its
// kubernetes-models interface, and `tsc --strict` checks them all in one run. Object
// literals get excess-property checks, so misspelt fields fail as well as wrong types
// and missing required fields (kubernetes-models' own validate() accepts unknown fields).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const DEPLOY = path.resolve(import.meta.dirname, "..");
const MODELS = path.join(DEPLOY, "node_modules", "kubernetes-models");
const TSC = path.join(DEPLOY, "node_modules", "typescript", "bin", "tsc");

/** The kubernetes-models module of an apiVersion/kind, or null if it has none. */
export function modelModule(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string") return null;
  const rel = `${apiVersion}/${kind}`;
  if (!/^[a-z0-9.]*\/?v[0-9a-z]+\/[A-Za-z]+$/.test(rel)) return null;
  return existsSync(path.join(MODELS, `${rel}.d.ts`)) ? `kubernetes-models/${rel}` : null;
}

/**
 * Type-checks units [{name, source, code}] (code: a TypeScript module) with tsc.
 * Returns Map name -> error lines (empty array: passed).
 */
export function typecheck(units, label) {
  const dir = path.join(DEPLOY, ".tmp", `${label}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = units.map((u, i) => {
    const file = `${String(i).padStart(3, "0")}-${u.name.replace(/[^A-Za-z0-9.-]+/g, "_")}.ts`;
    writeFileSync(path.join(dir, file), `// ${u.source}\n${u.code}\n`);
    return file;
  });
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, skipLibCheck: true, target: "es2022",
      module: "esnext", moduleResolution: "bundler", types: [],
    },
    files,
  }, null, 2));
  let output = "";
  try {
    execFileSync(process.execPath, [TSC, "-p", dir, "--pretty", "false"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    output = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    if (!output.trim()) throw e;
  }
  rmSync(dir, { recursive: true, force: true });
  const results = new Map(units.map((u) => [u.name, []]));
  let current = null;
  for (const line of output.split("\n")) {
    const m = /^(?:.*\/)?(\d{3})-[^/(]*\.ts\((\d+),\d+\): (.*)$/.exec(line);
    if (m) {
      const unit = units[Number(m[1])];
      current = unit.name;
      // Line 1 is the source comment, then the unit's header lines, then the literal.
      const at = unit.paths?.[Number(m[2]) - 2 - (unit.headerLines ?? 0)];
      results.get(current).push(`${at ? `at ${at}: ` : ""}${m[3].replace(/^error /, "")}`);
    } else if (line.trim() && current) {
      results.get(current).push(line.trim());
    } else if (line.trim()) {
      throw new Error(`tsc: ${line}`);
    }
  }
  return results;
}

/** The unit of one Kubernetes object; throws if kubernetes-models has no type for it. */
export function kubernetesUnit({ doc, source }) {
  const mod = modelModule(doc.apiVersion, doc.kind);
  if (!mod) throw new Error(`${source}: no schema for apiVersion ${doc.apiVersion} kind ${doc.kind}`);
  return literalUnit(`${doc.kind}-${doc.metadata?.name}`, source,
    `import type { I${doc.kind} as T } from "${mod}";`, "T", doc);
}

/** A unit `export const doc: TYPE = <value>;` that maps tsc lines back to field paths. */
export function literalUnit(name, source, importLine, type, value) {
  const { text, paths } = literalWithPaths(value);
  return { name, source, headerLines: 1, paths,
    code: `${importLine}\nexport const doc: ${type} = ${text};` };
}

/** JSON.stringify(value, null, 2), plus the field path that each output line is about. */
export function literalWithPaths(value) {
  const lines = [];
  const paths = [];
  const emit = (text, at) => { lines.push(text); paths.push(at || "(top)"); };
  const walk = (v, at, indent, prefix, suffix) => {
    const pad = " ".repeat(indent);
    if (Array.isArray(v) && v.length) {
      emit(`${pad}${prefix}[`, at);
      v.forEach((x, i) => walk(x, `${at}[${i}]`, indent + 2, "", i < v.length - 1 ? "," : ""));
      emit(`${pad}]${suffix}`, at);
    } else if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length) {
      emit(`${pad}${prefix}{`, at);
      const keys = Object.keys(v);
      keys.forEach((k, i) => walk(v[k], at ? `${at}.${k}` : k, indent + 2,
        `${JSON.stringify(k)}: `, i < keys.length - 1 ? "," : ""));
      emit(`${pad}}${suffix}`, at);
    } else {
      emit(`${pad}${prefix}${JSON.stringify(v)}${suffix}`, at);
    }
  };
  walk(value, "", 0, "", "");
  return { text: lines.join("\n"), paths };
}
