import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** Every source file of the production code: the services and the libraries they use. */
function productionSources(): string[] {
  const dirs = [
    ...readdirSync(path.join(ROOT, "services")).map((s) => path.join(ROOT, "services", s, "src")),
    path.join(ROOT, "libs", "contracts", "src"),
    path.join(ROOT, "libs", "service-kit", "src"),
  ];
  return dirs.flatMap((dir) =>
    (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
      .filter((e) => e.isFile() && /\.(ts|mjs|js)$/.test(e.name) && !e.parentPath.includes("generated"))
      .map((e) => path.join(e.parentPath, e.name)),
  );
}

describe("the simulated Moneypot", () => {
  it("is imported by no production service or library", () => {
    const files = productionSources();
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.filter((f) => /["']@socketpot\/simulator["']|libs\/simulator/.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
  });
});
