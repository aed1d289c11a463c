/** Machine and version facts printed above every result table. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

export interface Facts {
  date: string;
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  node: string;
  socketIo: string;
  socketIoClient: string;
  natsClient: string;
  natsServer: string;
}

async function natsServerVersion(url: string): Promise<string> {
  try {
    const { connect } = await import("@nats-io/transport-node");
    const nc = await connect({ servers: url, timeout: 3000, name: "socketpot-bench-facts" });
    const version = nc.info?.version ?? "unknown";
    const js = nc.info?.jetstream ? ", JetStream on" : "";
    await nc.close();
    return `${version}${js} (${url})`;
  } catch (err) {
    return `unreachable at ${url} (${err instanceof Error ? err.message : String(err)})`;
  }
}

function cpuModel(): string {
  const model = os.cpus()[0]?.model?.trim();
  if (model) return model;
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"));
    return line?.split(":")[1]?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

export async function collectFacts(natsUrl: string): Promise<Facts> {
  return {
    date: new Date().toISOString(),
    cpu: cpuModel(),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    socketIo: packageVersion("socket.io"),
    socketIoClient: packageVersion("socket.io-client"),
    natsClient: packageVersion("@nats-io/transport-node"),
    natsServer: await natsServerVersion(natsUrl),
  };
}
