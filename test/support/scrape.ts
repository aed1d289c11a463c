/** Reading a service's Prometheus /metrics endpoint in tests. */

/** The sum of a metric's samples whose labels include `labels`. */
export async function sampleMetric(opsUrl: string, metric: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = /^([a-z_]+)(\{([^}]*)\})? ([-0-9.e+]+)$/.exec(line);
    if (!m || m[1] !== metric) continue;
    const have = Object.fromEntries([...(m[3] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[4]);
  }
  return sum;
}

/** The ops URL a child service logged ("serving /healthz ..." with its port). */
export function opsUrlFrom(output: string): string | undefined {
  const line = output.split("\n").find((l) => l.includes("serving /healthz"));
  return line ? `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}` : undefined;
}
