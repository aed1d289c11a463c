/** What a module in bench/scenarios/ exports by default. */
export interface ScenarioResult {
  title: string;
  rows: Record<string, string | number>[];
  notes?: string[];
}

export interface Scenario {
  name: string;
  description: string;
  run(args: Record<string, string>): Promise<ScenarioResult>;
}

export function isScenario(value: unknown): value is Scenario {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === "string" && typeof v.description === "string" && typeof v.run === "function";
}
