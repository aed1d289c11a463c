/** JSON over NATS, validated on the way in. */
import type { z } from "zod";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encode(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

export function decode<S extends z.ZodType>(schema: S, data: Uint8Array): Decoded<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch {
    return { ok: false, error: "not valid JSON" };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: describeIssues(parsed.error) };
  return { ok: true, value: parsed.data };
}

/** A schema violation in one line: `path: message; ...`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}
