// The part of skaffold's v4beta11+ configuration schema that this repo may use, typed
// strictly: deploy/check-manifests types skaffold.yaml with SkaffoldConfig, so a misspelt
// or misplaced field fails. Field names and nesting follow skaffold's published schema;
// a valid skaffold field not listed here fails too — add it here when you need it.

export interface SkaffoldConfig {
  apiVersion: `skaffold/v4beta${number}`;
  kind: "Config";
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  build?: BuildConfig;
  manifests?: RenderConfig;
  deploy?: DeployConfig;
  portForward?: PortForwardResource[];
  profiles?: Profile[];
}

export interface BuildConfig {
  artifacts?: Artifact[];
  insecureRegistries?: string[];
  tagPolicy?: {
    gitCommit?: { variant?: "Tags" | "CommitSha" | "AbbrevCommitSha" | "TreeSha" | "AbbrevTreeSha"; prefix?: string; ignoreChanges?: boolean };
    sha256?: Record<string, never>;
    inputDigest?: Record<string, never>;
    dateTime?: { format?: string; timezone?: string };
    envTemplate?: { template: string };
  };
  platforms?: string[];
  local?: {
    push?: boolean;
    tryImportMissing?: boolean;
    useDockerCLI?: boolean;
    useBuildkit?: boolean;
    concurrency?: number;
  };
}

export interface Artifact {
  image: string;
  context?: string;
  docker?: DockerArtifact;
  requires?: { image: string; alias?: string }[];
  platforms?: string[];
  sync?: { manual?: { src: string; dest: string; strip?: string }[]; infer?: string[] };
}

export interface DockerArtifact {
  dockerfile?: string;
  target?: string;
  buildArgs?: Record<string, string>;
  network?: string;
  addHost?: string[];
  cacheFrom?: string[];
  cliFlags?: string[];
  pullParent?: boolean;
  noCache?: boolean;
  squash?: boolean;
  secrets?: { id: string; src?: string; env?: string }[];
  ssh?: string;
}

export interface RenderConfig {
  rawYaml?: string[];
  kustomize?: { paths?: string[]; buildArgs?: string[] };
  transform?: unknown[];
  validate?: unknown[];
  output?: string;
}

export interface DeployConfig {
  kubectl?: {
    defaultNamespace?: string;
    flags?: { global?: string[]; apply?: string[]; delete?: string[]; disableValidation?: boolean };
    remoteManifests?: string[];
    hooks?: { before?: DeployHookItem[]; after?: DeployHookItem[] };
  };
  statusCheck?: boolean;
  statusCheckDeadlineSeconds?: number;
  tolerateFailuresUntilDeadline?: boolean;
  kubeContext?: string;
  logs?: { prefix?: "container" | "podAndContainer" | "auto" | "none"; jsonParse?: { fields?: string[] } };
}

export interface DeployHookItem {
  host?: { command: string[]; os?: string[]; dir?: string };
  container?: { command: string[]; containerName: string; podName: string };
}

export interface PortForwardResource {
  resourceType: "pod" | "deployment" | "service" | "replicaset" | "replicationcontroller" | "statefulset" | "daemonset" | "cronjob" | "job";
  resourceName: string;
  namespace?: string;
  port: number | string;
  address?: string;
  localPort?: number;
}

export interface Profile {
  name: string;
  activation?: { env?: string; kubeContext?: string; command?: string }[];
  build?: BuildConfig;
  manifests?: RenderConfig;
  deploy?: DeployConfig;
  portForward?: PortForwardResource[];
}
