// nats.conf of the cluster, parsed by a real nats-server (`-t`: test the config and exit).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Errors of `nats-server -t` on conf; null if nats-server is not installed. */
export function testConfig(conf) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nats-conf-"));
  const file = path.join(dir, "nats.conf");
  writeFileSync(file, conf);
  try {
    execFileSync("nats-server", ["-c", file, "-t"], {
      encoding: "utf8", stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, SERVER_NAME: "nats-0" },
    });
    return [];
  } catch (e) {
    if (e.code === "ENOENT") return null;
    return [`${e.stderr || e.stdout || e.message}`.trim()];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
