/**
 * A Docker engine for the compose test, never the machine's default socket: reuses one that
 * answers on SOCKETPOT_DOCKER_DIR/sock (default /var/tmp/socketpot-docker), else starts
 * Debian's dockerd there (root only; overlay2, --iptables=false, its own data root) and
 * stops it afterwards. Builds the stand-in base images when they are missing.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface Engine {
  env: Record<string, string>;
  started: boolean;
  stop(): Promise<void>;
}

export type EngineResult = { engine: Engine } | { skip: string };

function answers(host: string): boolean {
  return spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { env: { ...process.env, DOCKER_HOST: host }, encoding: "utf8", timeout: 10_000 }).status === 0;
}

export async function startEngine(): Promise<EngineResult> {
  const dir = process.env.SOCKETPOT_DOCKER_DIR ?? "/var/tmp/socketpot-docker";
  const host = `unix://${dir}/sock`;
  const env = { DOCKER_HOST: host };
  for (const tool of ["docker", "docker-compose"]) {
    if (spawnSync(tool, ["--version"]).error) return { skip: `${tool} is not installed (Debian: apt-get install docker.io docker-compose)` };
  }
  let started = false;
  let pid: number | undefined;
  if (!answers(host)) {
    if (process.getuid?.() !== 0) return { skip: "no Docker engine answers on its socket and starting dockerd needs root" };
    if (spawnSync("dockerd", ["--version"]).error) return { skip: "dockerd is not installed (Debian: apt-get install docker.io)" };
    mkdirSync(dir, { recursive: true });
    const log = openSync(path.join(dir, "dockerd.log"), "a");
    const child = spawn(
      "dockerd",
      [`--data-root=${dir}/root`, `--exec-root=${dir}/exec`, `--pidfile=${dir}/pid`, `-H`, host, "--iptables=false", "--storage-driver=overlay2"],
      { detached: true, stdio: ["ignore", log, log] },
    );
    child.unref();
    pid = child.pid;
    started = true;
    const until = Date.now() + 60_000;
    while (!answers(host)) {
      if (Date.now() > until || child.exitCode !== null) {
        return { skip: `dockerd did not start (see ${dir}/dockerd.log): ${readFileSync(path.join(dir, "dockerd.log"), "utf8").slice(-500)}` };
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const standIns = spawnSync("bash", [path.join(HERE, "stand-ins", "build.sh")], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 900_000 });
  if (standIns.status !== 0) throw new Error(`building the stand-in images failed:\n${standIns.stdout}\n${standIns.stderr}`);
  return {
    engine: {
      env,
      started,
      async stop() {
        if (!started || pid === undefined) return;
        process.kill(pid, "SIGTERM");
        const until = Date.now() + 30_000;
        while (existsSync(`/proc/${pid}`) && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
      },
    },
  };
}
