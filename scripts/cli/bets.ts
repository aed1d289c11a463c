import { Svcm } from "@nats-io/services";
import { publishBets } from "@socketpot/simulator";
import { NotFoundError, UsageError, defineCommand, printJson, requireFlag, type CliCommand, type Flags } from "./command";

const options = {
  app: { type: "string" },
  rate: { type: "string" },
  duration: { type: "string" },
  seed: { type: "string" },
  "first-id": { type: "string" },
  "jackpot-every": { type: "string" },
  "jackpot-probability": { type: "string" },
} as const;

function num(values: Flags, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== "string" || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}], got ${String(raw)}`);
  return n;
}

export const betsCommand: CliCommand = defineCommand({
  summary: "generate Moneypot bet traffic (demos, load tests) and read bet-stream's stats",
  actions: [
    {
      name: "generate",
      usage: "--app APP_ID[,APP_ID...] [--rate BETS_PER_S=20] [--duration SECONDS=10] [--seed N] [--first-id N] [--jackpot-every N] [--jackpot-probability P=0.0005]",
      summary: "publish simulated bets; prints what was sent",
      options,
      async run(values, ctx) {
        const appIds = requireFlag(values, "app")
          .split(",")
          .map((s) => Number(s.trim()));
        if (appIds.some((id) => !Number.isSafeInteger(id) || id < 1)) throw new UsageError("--app must be positive integers, comma-separated");
        const rate = num(values, "rate", 20, 0.001, 1_000_000);
        const seconds = num(values, "duration", 10, 0.001, 86_400);
        const result = await publishBets({
          names: ctx.names,
          appIds,
          rate,
          durationMs: seconds * 1000,
          seed: num(values, "seed", Date.now() % 2 ** 31, 0, 2 ** 31),
          firstId: num(values, "first-id", Date.now(), 1, Number.MAX_SAFE_INTEGER - 1e9),
          jackpotEvery: num(values, "jackpot-every", 0, 0, 1e12),
          jackpotProbability: num(values, "jackpot-probability", 0.0005, 0, 1),
          publish: (subject, data) => ctx.nc.publish(subject, data),
          flush: () => ctx.nc.flush(),
        });
        printJson(ctx, {
          published: result.published,
          jackpots: result.jackpots,
          seconds: Math.round(result.elapsedMs) / 1000,
          rate: Math.round((result.published * 1000) / result.elapsedMs),
        });
      },
    },
    {
      name: "stats",
      usage: "",
      summary: "every bet-stream replica's counters and partitions, one per line (none: exit 3)",
      async run(_values, ctx) {
        const it = await new Svcm(ctx.nc).client({ strategy: "timer", maxWait: 1_000 }).stats("socketpot-bet-stream");
        let n = 0;
        try {
          for await (const s of it) {
            if ((s.metadata as Record<string, string> | undefined)?.namespace !== ctx.names.namespace) continue;
            printJson(ctx, s.endpoints?.[0]?.data ?? {});
            n++;
          }
        } catch (err) {
          if (!/no responders/i.test(String(err))) throw err;
        }
        if (n === 0) throw new NotFoundError("no bet-stream replica answered");
      },
    },
  ],
});
