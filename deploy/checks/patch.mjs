// The two patch kinds of kustomize's `patches` field, for the built-in renderer:
// strategic merge patches (maps merge, `null` removes a key, `$patch: delete` removes an
// element or the whole object, lists of maps merge by their key as kustomize's kyaml does,
// other lists are replaced) and JSON 6902 patches (add, remove, replace). Which objects a
// patch applies to: targetMatches(). When kubectl is installed the checks compare the whole
// rendering with `kubectl kustomize`, so any difference from kustomize shows up there.

// kyaml's associative-list keys, in its order of preference: a list whose elements are maps
// carrying one of these merges element by element on it.
const ASSOCIATIVE_KEYS = ["mountPath", "devicePath", "ip", "type", "topologyKey", "name", "containerPort"];
// Where the Kubernetes schema names a different key than the heuristic would pick.
const SCHEMA_KEYS = { ports: "containerPort", volumeMounts: "mountPath" };

const isMap = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

function mergeKey(field, dest, patch) {
  const all = [...dest, ...patch];
  if (!all.length || !all.every(isMap)) return null;
  const has = (k) => all.every((e) => e[k] !== undefined || e.$patch === "delete");
  if (SCHEMA_KEYS[field] && has(SCHEMA_KEYS[field])) return SCHEMA_KEYS[field];
  return ASSOCIATIVE_KEYS.find(has) ?? null;
}

function mergeList(field, dest, patch) {
  const key = mergeKey(field, dest, patch);
  if (!key) return structuredClone(patch);
  // As kustomize orders them: the patch's elements first (merged into their match), then
  // the elements the patch does not mention.
  const out = [];
  for (const p of patch) {
    if (p.$patch === "delete") continue;
    const match = dest.find((e) => e[key] === p[key]);
    out.push(mergeMap(match ?? {}, p));
  }
  const named = new Set(patch.map((p) => p[key]));
  return [...out, ...dest.filter((e) => !named.has(e[key])).map((e) => structuredClone(e))];
}

function mergeMap(dest, patch) {
  const out = structuredClone(dest);
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch") continue;
    if (v === null) delete out[k];
    else if (isMap(v) && isMap(out[k])) out[k] = mergeMap(out[k], v);
    else if (Array.isArray(v) && Array.isArray(out[k])) out[k] = mergeList(k, out[k], v);
    else out[k] = isMap(v) ? mergeMap({}, v) : structuredClone(v);
  }
  return out;
}

/** The object with a strategic merge patch applied; null when the patch deletes it. */
export function strategicMerge(doc, patch) {
  if (patch.$patch === "delete") return null;
  if (patch.$patch !== undefined) throw new Error(`$patch: ${patch.$patch} is not supported`);
  return mergeMap(doc, patch);
}

function pointer(path) {
  if (!path.startsWith("/")) throw new Error(`JSON patch path ${path} must start with /`);
  return path.slice(1).split("/").map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** The object with JSON 6902 operations [{op, path, value}] applied. */
export function jsonPatch(doc, ops) {
  const out = structuredClone(doc);
  for (const { op, path, value } of ops) {
    const tokens = pointer(path);
    const last = tokens.pop();
    let parent = out;
    for (const t of tokens) {
      parent = parent?.[Array.isArray(parent) ? Number(t) : t];
      if (parent === undefined) throw new Error(`JSON patch ${op} ${path}: ${t} does not exist`);
    }
    if (Array.isArray(parent)) {
      const i = last === "-" ? parent.length : Number(last);
      if (op === "add") parent.splice(i, 0, structuredClone(value));
      else if (op === "replace" && i < parent.length) parent[i] = structuredClone(value);
      else if (op === "remove" && i < parent.length) parent.splice(i, 1);
      else throw new Error(`JSON patch ${op} ${path}: no element ${last}`);
    } else if (op === "add" || (op === "replace" && last in parent)) {
      parent[last] = structuredClone(value);
    } else if (op === "remove" && last in parent) {
      delete parent[last];
    } else {
      throw new Error(`JSON patch ${op} ${path}: unsupported operation or missing field`);
    }
  }
  return out;
}

/** True if doc is selected by a kustomize patch target {kind, name, namespace, labelSelector}. */
export function targetMatches(target, doc) {
  const known = new Set(["group", "version", "kind", "name", "namespace", "labelSelector"]);
  for (const k of Object.keys(target)) {
    if (!known.has(k)) throw new Error(`patch target field ${k} is not supported by the built-in renderer`);
  }
  const [group, version] = doc.apiVersion.includes("/") ? doc.apiVersion.split("/") : ["", doc.apiVersion];
  const full = (re, v) => new RegExp(`^(?:${re})$`).test(v ?? "");
  if (target.group !== undefined && target.group !== group) return false;
  if (target.version !== undefined && target.version !== version) return false;
  if (target.kind !== undefined && !full(target.kind, doc.kind)) return false;
  if (target.name !== undefined && !full(target.name, doc.metadata?.name)) return false;
  if (target.namespace !== undefined && !full(target.namespace, doc.metadata?.namespace)) return false;
  for (const term of (target.labelSelector ?? "").split(",").filter(Boolean)) {
    const [k, v] = term.split("=");
    if (v === undefined) throw new Error(`labelSelector ${term}: only key=value terms are supported`);
    if (doc.metadata?.labels?.[k.trim()] !== v.trim()) return false;
  }
  return true;
}
