import { connect as tcpConnect } from "node:net";

/** The commands that start each dependency on a Debian machine like the CI's. */
export const START_HINTS = {
  nats: "nats-server -js   (Debian: start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log)",
  postgres: "PostgreSQL 15+   (Debian: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)",
} as const;

/** True when a TCP connection to the URL's host and port succeeds within the timeout. */
export function reachable(url: string, defaultPort: number, timeoutMs = 2_000): Promise<boolean> {
  const parsed = new URL(url);
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: parsed.hostname, port: Number(parsed.port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Problems (with what to start) for each unreachable dependency; empty when all answer. */
export async function checkDependencies(deps: { natsUrl?: string; databaseUrl?: string }): Promise<string[]> {
  const problems: string[] = [];
  if (deps.natsUrl && !(await reachable(deps.natsUrl.split(",")[0]!, 4222)))
    problems.push(`NATS is not reachable at ${deps.natsUrl}. Start it: ${START_HINTS.nats}`);
  if (deps.databaseUrl && !(await reachable(deps.databaseUrl, 5432)))
    problems.push(`PostgreSQL is not reachable at ${deps.databaseUrl}. Start it: ${START_HINTS.postgres}`);
  return problems;
}
