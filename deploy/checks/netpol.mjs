// NetworkPolicy semantics (networking.k8s.io/v1), evaluated offline: may pod A open a
// connection to pod B on port P? Both A's egress and B's ingress must allow it. A pod that
// no policy of a type selects is not isolated for that type. Used by the semantic checks
// to compare the whole connection matrix with the contract.

/** Label selector (matchLabels + matchExpressions); an empty selector matches everything. */
export function labelSelectorMatches(selector, labels = {}) {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const ok = {
      In: () => has && e.values.includes(labels[e.key]),
      NotIn: () => !has || !e.values.includes(labels[e.key]),
      Exists: () => has,
      DoesNotExist: () => !has,
    }[e.operator];
    if (!ok || !ok()) return false;
  }
  return true;
}

function ipv4(s) {
  return s.split(".").reduce((a, o) => a * 256 + Number(o), 0);
}
function inCidr(ip, cidr) {
  const [base, bits] = cidr.split("/");
  if (!ip || base.includes(":")) return false;
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(ip) / size) === Math.floor(ipv4(base) / size);
}

/**
 * A peer: {name, namespace, nsLabels, labels, ports: [{name, containerPort, protocol}], ip}.
 * Pods have labels; an address outside the cluster has only ip.
 */
function peerMatches(peer, rulePeer, policyNs) {
  if (rulePeer.ipBlock) {
    // Pod IPs are not known offline: an ipBlock is taken to match outside addresses only.
    return !peer.labels && inCidr(peer.ip, rulePeer.ipBlock.cidr) &&
      !(rulePeer.ipBlock.except ?? []).some((c) => inCidr(peer.ip, c));
  }
  if (!peer.labels) return false;
  const nsOk = rulePeer.namespaceSelector
    ? labelSelectorMatches(rulePeer.namespaceSelector, peer.nsLabels)
    : peer.namespace === policyNs;
  const podOk = rulePeer.podSelector ? labelSelectorMatches(rulePeer.podSelector, peer.labels) : true;
  return nsOk && podOk;
}

function portMatches(rulePorts, target, port, protocol) {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((rp) => {
    if ((rp.protocol ?? "TCP") !== protocol) return false;
    if (rp.port === undefined) return true;
    if (typeof rp.port === "string") {
      // A named port is looked up in the destination pod's container ports.
      return (target.ports ?? []).some((cp) => cp.name === rp.port && cp.containerPort === port &&
        (cp.protocol ?? "TCP") === protocol);
    }
    return rp.endPort ? port >= rp.port && port <= rp.endPort : port === rp.port;
  });
}

const typesOf = (np) => np.spec.policyTypes ??
  (np.spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);

function direction(policies, pod, type, otherPeer, target, port, protocol) {
  if (!pod.labels) return true;   // outside the cluster: no policy applies
  const selecting = policies.filter((np) => (np.metadata.namespace ?? "") === pod.namespace &&
    labelSelectorMatches(np.spec.podSelector, pod.labels) && typesOf(np).includes(type));
  if (selecting.length === 0) return true;   // not isolated
  const rulesKey = type === "Ingress" ? "ingress" : "egress";
  const peersKey = type === "Ingress" ? "from" : "to";
  return selecting.some((np) => (np.spec[rulesKey] ?? []).some((rule) =>
    portMatches(rule.ports, target, port, protocol) &&
    (!rule[peersKey] || rule[peersKey].length === 0 ||
      rule[peersKey].some((rp) => peerMatches(otherPeer, rp, np.metadata.namespace ?? "")))));
}

/** True if from may connect to to:port/protocol under the policies. */
export function connectionAllowed(policies, from, to, port, protocol = "TCP") {
  return direction(policies, from, "Egress", to, to, port, protocol) &&
    direction(policies, to, "Ingress", from, to, port, protocol);
}
