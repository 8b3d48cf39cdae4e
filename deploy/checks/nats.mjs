// The cluster's NATS configuration, run by a real nats-server: `-t` (test the config and
// exit) with the environment the pod gets, and a live test of the users' permissions.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseNatsConf } from "./natsconf.mjs";
import * as C from "./contract.mjs";

function hasNatsServer() {
  try {
    execFileSync("nats-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Writes the ConfigMap's files into a fresh directory; returns it. */
function writeFiles(files) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nats-conf-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/**
 * The environment of a container as Kubernetes builds it: literal values, fieldRefs
 * (metadata.name -> podName), Secret and ConfigMap keys, and $(VAR) expansion of earlier
 * variables. secret(name, key) and configMap(name, key) return the (decoded) values.
 */
export function containerEnv(container, { podName, secret, configMap }) {
  const env = {};
  for (const e of container?.env ?? []) {
    let v = e.value;
    if (v !== undefined) {
      v = v.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name) =>
        (all === "$$" ? "$" : name in env ? env[name] : all));
    } else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") {
      v = podName;
    } else if (e.valueFrom?.secretKeyRef) {
      v = secret(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    } else if (e.valueFrom?.configMapKeyRef) {
      v = configMap(e.valueFrom.configMapKeyRef.name, e.valueFrom.configMapKeyRef.key);
    }
    if (v !== undefined) env[e.name] = v;
  }
  return env;
}

/** Errors of `nats-server -t` on files[main] with env; null if nats-server is not installed. */
export function testConfig(files, env, main = "nats.conf") {
  if (!hasNatsServer()) return null;
  const dir = writeFiles(files);
  try {
    execFileSync("nats-server", ["-c", path.join(dir, main), "-t"], {
      encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH, ...env },
    });
    return [];
  } catch (e) {
    // nats-server exits silently when a $VARIABLE holds a number or a boolean.
    return [`${e.stderr || e.stdout || `nats-server -t exited ${e.status}`}`.trim()];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The `authorization` block scripts/nats-auth prints (the local setup), parsed; or null. */
export function localAuthorization(repoRoot) {
  const script = path.join(repoRoot, "scripts", "nats-auth");
  if (!existsSync(script)) return null;
  const dir = mkdtempSync(path.join(os.tmpdir(), "nats-auth-"));
  try {
    const creds = path.join(dir, "credentials.env");
    writeFileSync(creds, ["ADMIN", "POSTS", "COMMENTS", "MODERATION", "QUERY"]
      .map((u) => `NATS_PASSWORD_${u}=local${u.toLowerCase()}\n`).join(""));
    return parseNatsConf(execFileSync(script, [creds], { encoding: "utf8" }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One NATS client connection speaking the text protocol. */
class Conn {
  static open(port) {
    return new Promise((resolve, reject) => {
      const c = new Conn();
      c.sock = net.connect(port, "127.0.0.1");
      c.buf = "";
      c.waiters = [];
      c.closed = false;
      c.sock.setEncoding("utf8");
      c.sock.on("data", (d) => { c.buf += d; c.pump(); });
      c.sock.on("close", () => { c.closed = true; c.pump(); });
      c.sock.once("connect", () => resolve(c));
      c.sock.once("error", reject);
    });
  }

  pump() {
    while (this.waiters.length) {
      const i = this.buf.indexOf("\r\n");
      if (i < 0 && !this.closed) return;
      const line = i < 0 ? null : this.buf.slice(0, i);
      if (i >= 0) this.buf = this.buf.slice(i + 2);
      this.waiters.shift()(line);
    }
  }

  line(timeoutMs = 3000) {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve("(timeout)"), timeoutMs);
      this.waiters.push((l) => { clearTimeout(t); resolve(l); });
      this.pump();
    });
  }

  /** Sends text then PING; returns the -ERR lines before PONG (or the close). */
  async roundTrip(text) {
    this.sock.write(`${text}PING\r\n`);
    const errs = [];
    for (;;) {
      const l = await this.line();
      if (l === "PONG" || l === null || l === "(timeout)") {
        if (l !== "PONG") errs.push(l === null ? "(closed)" : l);
        return errs;
      }
      if (l.startsWith("-ERR")) errs.push(l);
    }
  }

  close() { this.sock.destroy(); }
}

/**
 * Runs nats-server with only the authorization block (the auth file of the ConfigMap,
 * env: the passwords) and checks the users' rights like issue 8's tests: anonymous and
 * wrong passwords are refused; each service may publish its own events and may not
 * publish another's, nor create another service's consumer, nor subscribe to events.
 * cases: [{user, password, op: "pub"|"sub"|"connect", subject, allowed}].
 * Returns errors, or null if nats-server is not installed.
 */
export async function probePermissions(files, authFile, env, cases) {
  if (!hasNatsServer()) return null;
  const dir = writeFiles({ ...files, "probe.conf": `port: -1\ninclude ./${authFile}\n` });
  const server = spawn("nats-server", ["-c", path.join(dir, "probe.conf")],
    { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const errors = [];
  try {
    const port = await new Promise((resolve, reject) => {
      let log = "";
      const t = setTimeout(() => reject(new Error(`nats-server did not start:\n${log}`)), 5000);
      const onData = (d) => {
        log += d;
        const m = /Listening for client connections on [^\s]*:(\d+)/.exec(log);
        if (m) { clearTimeout(t); resolve(Number(m[1])); }
      };
      server.stdout.on("data", onData);
      server.stderr.on("data", onData);
      server.once("exit", (code) => reject(new Error(`nats-server exited ${code}:\n${log}`)));
    });
    for (const c of cases) {
      const conn = await Conn.open(port);
      try {
        await conn.line();   // INFO
        const connect = { verbose: false, pedantic: false, name: "check-manifests" };
        if (c.user !== undefined) Object.assign(connect, { user: c.user, pass: c.password });
        const refused = await conn.roundTrip(`CONNECT ${JSON.stringify(connect)}\r\n`);
        const what = `${c.user ?? "anonymous"}${c.op === "connect" ? " connects" : ` ${c.op} ${c.subject}`}`;
        if (c.op === "connect") {
          if ((refused.length === 0) !== c.allowed) {
            errors.push(`${what}: ${c.allowed ? `refused: ${refused.join(" ")}` : "accepted, want refused"}`);
          }
          continue;
        }
        if (refused.length) { errors.push(`${c.user} cannot connect: ${refused.join(" ")}`); continue; }
        const errs = await conn.roundTrip(c.op === "pub" ? `PUB ${c.subject} 0\r\n\r\n` : `SUB ${c.subject} 1\r\n`);
        const denied = errs.some((e) => /Permissions Violation/.test(e));
        if (denied === c.allowed) errors.push(`${what}: ${denied ? `denied (${errs.join(" ")})` : "allowed, want denied"}`);
      } finally {
        conn.close();
      }
    }
  } catch (e) {
    errors.push(e.message);
  } finally {
    server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
  return errors;
}

/** What issue 8 asks of the NATS users, as probe cases (see nats.mjs probePermissions). */
export function natsProbeCases(creds) {
  const cases = [
    { op: "connect", allowed: false },   // anonymous
    { op: "connect", user: creds.posts.user, password: `${creds.posts.password}x`, allowed: false },
    { op: "pub", ...creds[C.NATS_ADMIN_USER], subject: "blog.comment.created", allowed: true },
  ];
  const all = Object.entries(C.NATS_EVENTS);
  for (const [s, ev] of all) {
    cases.push({ op: "connect", ...creds[s], allowed: true });
    for (const [other, oev] of all) {
      for (const subject of oev.publishes) cases.push({ op: "pub", ...creds[s], subject, allowed: other === s });
      for (const type of oev.consumes.slice(0, 1)) {
        cases.push({ op: "pub", ...creds[s], subject: `$JS.API.CONSUMER.DURABLE.CREATE.BLOG.${other}-${type}`,
          allowed: other === s });
      }
    }
    cases.push({ op: "sub", ...creds[s], subject: "blog.>", allowed: false },
      { op: "sub", ...creds[s], subject: "_INBOX.probe", allowed: true });
  }
  return cases;
}

/**
 * For `nats-server -t` of a configuration whose TLS files come from Secrets only the
 * cluster holds (mounted at mountPaths): throwaway certificates (scripts/nats-tls-certs) under
 * the Secret's key names (tls.crt, tls.key, ca.crt), and the files with each mount path
 * pointing at them. Returns {files, cleanup}; null when openssl or the script is missing.
 */
export function withThrowawayCertificates(files, mountPaths, repoRoot) {
  if (!mountPaths.length) return { files, cleanup: () => {} };
  const dir = mkdtempSync(path.join(os.tmpdir(), "nats-tls-"));
  try {
    execFileSync(path.join(repoRoot, "scripts", "nats-tls-certs"), [dir], { stdio: "ignore" });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  copyFileSync(path.join(dir, "server.crt"), path.join(dir, "tls.crt"));
  copyFileSync(path.join(dir, "server.key"), path.join(dir, "tls.key"));
  const mapped = Object.fromEntries(Object.entries(files).map(([name, text]) =>
    [name, mountPaths.reduce((t, mp) => t.replaceAll(`${mp}/`, `${dir}/`), text)]));
  return { files: mapped, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
