// Semantic checks of TLS (shapes with tls: true, k8s/components/tls): NATS serves clients
// and routes over TLS with files of a mounted Secret, every service connects with tls://
// and trusts a mounted CA, and the Ingress asks cert-manager for posts.com's certificate.
// Shapes without TLS must not half-enable it.
import * as C from "./contract.mjs";
import { parseNatsFiles } from "./natsconf.mjs";
import { natsFilesOf, mountedSecretKey } from "./k8s-model.mjs";

function tlsFiles(m, block, where) {
  const errors = [];
  const c = m.find("StatefulSet", "nats", C.NAMESPACE)?.spec?.template?.spec?.containers
    ?.find((x) => x.name === "nats");
  for (const key of ["cert_file", "key_file", "ca_file"]) {
    const file = block?.[key];
    if (typeof file !== "string") { errors.push(`nats.conf ${where}: tls.${key} must be set`); continue; }
    const src = c && mountedSecretKey(m, c, file);
    if (!src) errors.push(`nats.conf ${where}: ${file} is no key of a Secret mounted in the nats container`);
    else if (!m.find("Secret", src.secret, C.NAMESPACE)) errors.push(`nats.conf ${where}: Secret ${src.secret} does not exist`);
  }
  return errors;
}

function tlsSetup(m, ctx) {
  let conf;
  try { conf = parseNatsFiles(natsFilesOf(m), "nats.conf"); } catch (e) { return [e.message]; }
  const cfg = m.find("ConfigMap", "blog-config", C.NAMESPACE)?.data ?? {};
  const urls = String(cfg.NATS_URL ?? "").split(",").map((u) => u.trim());
  if (!ctx.shape.tls) {
    const errors = [];
    if (conf.tls || conf.cluster?.tls) errors.push("nats.conf has tls {} in a shape without TLS");
    if (urls.some((u) => u.startsWith("tls://")) || cfg.NATS_TLS_CA) errors.push("blog-config turns NATS TLS on in a shape without TLS");
    return errors;
  }
  const errors = [...tlsFiles(m, conf.tls, "client"), ...tlsFiles(m, conf.cluster?.tls, "cluster (routes)")];
  if (!urls.every((u) => u.startsWith("tls://"))) errors.push(`blog-config NATS_URL ${cfg.NATS_URL}: every URL must be tls://`);
  if (!cfg.NATS_TLS_CA) errors.push("blog-config must set NATS_TLS_CA");
  for (const s of Object.keys(C.SERVICES)) {
    const c = m.find("Deployment", s, C.NAMESPACE)?.spec?.template?.spec?.containers?.find((x) => x.name === s);
    if (c && cfg.NATS_TLS_CA && !mountedSecretKey(m, c, cfg.NATS_TLS_CA)) {
      errors.push(`${s}: NATS_TLS_CA ${cfg.NATS_TLS_CA} is not a mounted Secret key`);
    }
  }
  const ing = m.docs("Ingress")[0];
  const a = ing?.metadata?.annotations ?? {};
  if (!a["cert-manager.io/cluster-issuer"] && !a["cert-manager.io/issuer"]) {
    errors.push("Ingress: needs the cert-manager.io/cluster-issuer (or issuer) annotation");
  }
  if (!(ing?.spec?.tls ?? []).some((t) => t.hosts?.includes(C.INGRESS.host) && t.secretName)) {
    errors.push(`Ingress: spec.tls must name ${C.INGRESS.host} and a secretName`);
  }
  return errors;
}

export const TLS_CHECKS = [
  ["TLS: NATS clients and routes over TLS from a mounted Secret, services trust its CA, Ingress via cert-manager", tlsSetup],
];
