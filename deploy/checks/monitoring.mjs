// k8s/monitoring (issue 17): the PrometheusRule is generated from deploy/monitoring/alerts.yaml,
// the one rule file, and the ServiceMonitor scrapes the metrics port of exactly the four
// services. `node deploy/checks/monitoring.mjs --write` (deploy/monitoring/generate-prometheusrule)
// regenerates the PrometheusRule; the checks below fail when the committed one differs.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import * as C from "./contract.mjs";
import { labelSelectorMatches } from "./netpol.mjs";

export const RULE_FILE = "deploy/monitoring/alerts.yaml";
export const RULE_OBJECT = "k8s/monitoring/prometheus-rule.yaml";
export const SERVICE_MONITOR = "k8s/monitoring/service-monitor.yaml";

/** The PrometheusRule object (YAML text) holding the groups of the rule file `rulesText`. */
export function prometheusRule(rulesText) {
  const rules = YAML.parse(rulesText);
  if (!Array.isArray(rules?.groups) || rules.groups.length === 0) {
    throw new Error(`${RULE_FILE} has no rule groups`);
  }
  const object = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: "blog-alerts",
      labels: { "app.kubernetes.io/part-of": "blog", release: "kube-prometheus-stack" },
    },
    spec: { groups: rules.groups },
  };
  return `# Generated from ${RULE_FILE} by deploy/monitoring/generate-prometheusrule: do not edit.\n` +
    YAML.stringify(object, { lineWidth: 0 });
}

/** Checks of k8s/monitoring against the rule file and the base's Services. */
export function monitoringChecks(root, manifests) {
  return [
    [`${RULE_OBJECT} is generated from ${RULE_FILE} (deploy/monitoring/generate-prometheusrule)`, () => {
      const want = prometheusRule(readFileSync(path.join(root, RULE_FILE), "utf8"));
      const have = readFileSync(path.join(root, RULE_OBJECT), "utf8");
      return have === want ? [] : [`${RULE_OBJECT} differs: run deploy/monitoring/generate-prometheusrule and commit`];
    }],
    ["the ServiceMonitor scrapes the metrics port of exactly the four services", () => {
      const errors = [];
      const sm = YAML.parse(readFileSync(path.join(root, SERVICE_MONITOR), "utf8"));
      const selected = manifests.docs("Service")
        .filter((s) => labelSelectorMatches(sm.spec.selector, s.metadata.labels ?? {}))
        .map((s) => s.metadata.name).sort();
      const want = Object.keys(C.SERVICES).sort();
      if (selected.join() !== want.join()) errors.push(`selects Services ${selected.join(", ")}; want ${want.join(", ")}`);
      const ports = (sm.spec.endpoints ?? []).map((e) => e.port);
      if (ports.join() !== "metrics") errors.push(`endpoints scrape ports ${ports.join(", ")}; want the metrics port alone`);
      for (const name of selected) {
        const p = manifests.find("Service", name, C.NAMESPACE)?.spec?.ports?.find((x) => x.name === "metrics");
        if (p?.port !== C.METRICS_PORT) errors.push(`Service ${name} has no port "metrics" ${C.METRICS_PORT}`);
      }
      return errors;
    }],
  ];
}

if (process.argv[1] === import.meta.filename && process.argv.includes("--write")) {
  const root = path.resolve(import.meta.dirname, "..", "..");
  writeFileSync(path.join(root, RULE_OBJECT), prometheusRule(readFileSync(path.join(root, RULE_FILE), "utf8")));
  console.log(`wrote ${RULE_OBJECT}`);
}
