// skaffold.yaml: strict typing (see skaffold-schema.ts) and the repo's own rules.
import path from "node:path";
import * as C from "./contract.mjs";

const SCHEMA = path.resolve(import.meta.dirname, "skaffold-schema.ts");

/** The tsc unit typing skaffold.yaml (see schema.mjs typecheck). */
export function skaffoldUnit(config, tmpDirDepth = 2) {
  const rel = `${"../".repeat(tmpDirDepth)}checks/skaffold-schema`;
  return {
    name: "skaffold.yaml",
    source: `skaffold.yaml typed with ${path.basename(SCHEMA)}`,
    code: `import type { SkaffoldConfig } from "${rel}";\n` +
      `export const doc: SkaffoldConfig = ${JSON.stringify(config, null, 2)};`,
  };
}

export function rules(config, k8sDirName) {
  const errors = [];
  const v = /^skaffold\/v4beta(\d+)$/.exec(config.apiVersion ?? "");
  if (!v || Number(v[1]) < 11) errors.push(`apiVersion ${config.apiVersion}: want skaffold/v4beta11 or newer`);
  const paths = config.manifests?.kustomize?.paths ?? [];
  if (!paths.includes(k8sDirName)) errors.push(`manifests.kustomize.paths must include ${k8sDirName}`);
  const arts = config.build?.artifacts ?? [];
  for (const name of [...Object.keys(C.SERVICES), C.CLIENT.name]) {
    const a = arts.find((x) => x.image === `${C.IMAGE_REPO}/${name}`);
    if (!a) { errors.push(`no artifact ${C.IMAGE_REPO}/${name}`); continue; }
    if ((a.context ?? ".") !== ".") errors.push(`${a.image}: context must be the repo root`);
    if (a.docker?.dockerfile !== C.DOCKERFILE || a.docker?.target !== name) {
      errors.push(`${a.image}: must build ${C.DOCKERFILE} --target ${name}`);
    }
  }
  if (!config.deploy?.kubectl) errors.push("deploy.kubectl must be set (kubectl applies the kustomize output)");
  // The namespace is in no kustomization (cleanup must not delete it): a hook creates it.
  const hooks = config.deploy?.kubectl?.hooks?.before ?? [];
  if (!hooks.some((h) => (h.host?.command ?? []).join(" ").includes(`apply -f ${C.NAMESPACE_FILE}`))) {
    errors.push(`deploy.kubectl.hooks.before must apply ${C.NAMESPACE_FILE}`);
  }
  // Leaving `skaffold dev` deletes what skaffold deployed: never the CloudNativePG clusters.
  const dataDirs = C.SHAPES.flatMap((s) => s.dirs).filter((d) => /databases/.test(d));
  for (const p of [config, ...(config.profiles ?? [])]) {
    for (const dir of p.manifests?.kustomize?.paths ?? []) {
      if (dataDirs.includes(dir)) errors.push(`${p.name ?? "manifests"}: deploys ${dir}, which skaffold's cleanup would delete with its data`);
    }
  }
  return errors;
}
