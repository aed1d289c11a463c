/**
 * Upstream bet validation on bet-stream's hot path.
 *
 * `MoneypotBet` (zod, libs/contracts) is the contract. At hundreds of thousands of bets a
 * second its parse costs as much as JSON.parse itself, so bet-stream compiles it once,
 * through zod's JSON Schema export, into an Ajv validator that accepts exactly the bets
 * the zod schema accepts, at about a tenth of the cost (docs/BETS.md, "Validation"). A bet
 * the compiled validator rejects is parsed with the zod schema, which words the error and
 * has the last word.
 *
 * JSON Schema cannot express everything zod can (refinements, transforms): compiling
 * refuses a schema with anything but the plain types and checks below, so a rule added to
 * MoneypotBet is either carried over or stops bet-stream at startup.
 */
import { Ajv } from "ajv";
import { z } from "zod";
import { MoneypotBet, describeIssues } from "@socketpot/contracts";

export type BetVerdict = { ok: true; bet: MoneypotBet } | { ok: false; error: string };

/** zod schema types and checks whose JSON Schema form validates exactly like zod. */
const EXACT_TYPES = new Set(["object", "string", "number", "boolean", "null", "enum", "literal", "optional", "nullable", "array", "union", "record", "unknown"]);
const EXACT_CHECKS = new Set(["number_format", "greater_than", "less_than", "multiple_of", "min_length", "max_length", "length_equals", "string_format"]);

interface ZodInternals {
  _zod: { def: { type: string; checks?: { _zod: { def: { check: string } } }[] } };
}

/** The JSON Schema of a zod schema, or an error naming what JSON Schema cannot express. */
export function exactJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, {
    io: "input",
    target: "draft-7",
    unrepresentable: "throw",
    override: ({ zodSchema }) => {
      const def = (zodSchema as unknown as ZodInternals)._zod.def;
      if (!EXACT_TYPES.has(def.type)) throw new Error(`a ${def.type} schema has no exact JSON Schema form`);
      for (const check of def.checks ?? []) {
        const kind = check._zod.def.check;
        if (!EXACT_CHECKS.has(kind)) throw new Error(`a ${kind} check has no exact JSON Schema form`);
      }
    },
  }) as Record<string, unknown>;
}

/** A predicate that accepts exactly the values the zod schema accepts (see exactJsonSchema). */
export function compileExact(schema: z.ZodType): (raw: unknown) => boolean {
  const { $schema: _, ...jsonSchema } = exactJsonSchema(schema);
  const ajv = new Ajv({
    strict: true,
    // zod's regular expressions have no u flag (string lengths count code points in both).
    unicodeRegExp: false,
    // Formats (date-time) are checked by the pattern zod exports with them.
    validateFormats: false,
  });
  return ajv.compile(jsonSchema);
}

/** Validates one parsed upstream message as a MoneypotBet. */
export function createBetValidator(): (raw: unknown) => BetVerdict {
  const accepts = compileExact(MoneypotBet);
  return (raw) => {
    // Accepted: the input is the bet (the fields the contract names, each valid; others ignored).
    if (accepts(raw)) return { ok: true, bet: raw as MoneypotBet };
    const parsed = MoneypotBet.safeParse(raw);
    if (parsed.success) return { ok: true, bet: parsed.data };
    return { ok: false, error: describeIssues(parsed.error) };
  };
}
