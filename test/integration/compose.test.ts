import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "../support/gateway";

/** `docker-compose config` validates and normalizes the file without a Docker engine. */
function composeConfig(): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("docker-compose", ["-f", "docker-compose.yml", "config"], { cwd: ROOT, encoding: "utf8" });
  if (result.error) throw new Error(`docker-compose is needed for this test (Debian: apt-get install docker-compose): ${result.error.message}`);
  return result;
}

describe("docker-compose.yml", () => {
  const result = composeConfig();
  const config = parse(result.stdout) as { services: Record<string, any> };

  it("is valid", () => {
    expect(result.stderr).not.toMatch(/ERROR/);
    expect(result.status).toBe(0);
  });

  it("runs NATS with JetStream, PostgreSQL, migrations and the four services", () => {
    expect(Object.keys(config.services).sort()).toEqual(
      ["bet-stream", "chat", "gateway", "migrate", "nats", "postgres", "wallet-watcher"].sort(),
    );
    expect(config.services.nats.command).toContain("-js");
  });

  it("starts chat only after migrations succeeded and every service after NATS is healthy", () => {
    expect(config.services.chat.depends_on.migrate.condition).toBe("service_completed_successfully");
    expect(config.services.migrate.depends_on.postgres.condition).toBe("service_healthy");
    for (const name of ["chat", "wallet-watcher", "bet-stream", "gateway"]) {
      expect(config.services[name].depends_on.nats.condition).toBe("service_healthy");
    }
  });

  it("has healthchecks and publishes the gateway's port", () => {
    for (const name of ["nats", "postgres", "gateway"]) expect(config.services[name].healthcheck?.test).toBeDefined();
    expect(JSON.stringify(config.services.gateway.ports)).toContain("3000");
  });

  it("seeds no demo data in production", () => {
    for (const name of ["chat", "wallet-watcher", "bet-stream", "gateway"]) {
      expect(config.services[name].environment.SOCKETPOT_DEMO).toBe("off");
      expect(config.services[name].environment.NODE_ENV).toBe("production");
    }
  });
});
