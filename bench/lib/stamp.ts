/**
 * Timestamps carried inside payloads, to measure delivery latency across processes.
 * A template string containing `{{t}}` gets the send time (epoch ms, 3 decimals) and `{{i}}`
 * the message index; a receiver reads the first `t=<ms>` back out of a field.
 */

export function stampPayload(template: unknown, now: number, index: number): unknown {
  if (typeof template === "string") {
    return template.includes("{{") ? template.replaceAll("{{t}}", now.toFixed(3)).replaceAll("{{i}}", String(index)) : template;
  }
  if (Array.isArray(template)) return template.map((v) => stampPayload(v, now, index));
  if (typeof template === "object" && template !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) out[k] = stampPayload(v, now, index);
    return out;
  }
  return template;
}

const STAMP = /t=(\d+(?:\.\d+)?)/;

/** Read the send time from `payload` at the dotted `path` (a number, or a string holding `t=<ms>`). */
export function readStamp(payload: unknown, path: string): number | undefined {
  let v: unknown = payload;
  for (const key of path.split(".")) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const m = STAMP.exec(v);
    return m ? Number(m[1]) : undefined;
  }
  return undefined;
}
