import { parseArgs } from "node:util";
import { Svcm } from "@nats-io/services";
import { publishBets } from "@socketpot/simulator";
import { UsageError, requireFlag, type CliCommand } from "./command";

const options = {
  app: { type: "string" },
  rate: { type: "string" },
  duration: { type: "string" },
  seed: { type: "string" },
  "first-id": { type: "string" },
  "jackpot-every": { type: "string" },
  "jackpot-probability": { type: "string" },
} as const;

function num(values: Record<string, string | boolean | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== "string" || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}], got ${String(raw)}`);
  return n;
}

export const betsCommand: CliCommand = {
  summary: "generate Moneypot bet traffic (demos, load tests) and read bet-stream's stats",
  usage: [
    "bets generate --app APP_ID[,APP_ID...] [--rate BETS_PER_S=20] [--duration SECONDS=10]",
    "              [--seed N] [--first-id N] [--jackpot-every N] [--jackpot-probability P=0.0005]",
    "bets stats    (every bet-stream replica's counters and partitions)",
  ],
  async run(argv, ctx) {
    const [action, ...rest] = argv;
    const { values } = parseArgs({ args: rest, options, allowPositionals: false });
    switch (action) {
      case "generate": {
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
        ctx.print(
          JSON.stringify({
            published: result.published,
            jackpots: result.jackpots,
            seconds: Math.round(result.elapsedMs) / 1000,
            rate: Math.round((result.published * 1000) / result.elapsedMs),
          }),
        );
        return;
      }
      case "stats": {
        const it = await new Svcm(ctx.nc).client({ strategy: "timer", maxWait: 1_000 }).stats("socketpot-bet-stream");
        let n = 0;
        for await (const s of it) {
          if ((s.metadata as Record<string, string> | undefined)?.namespace !== ctx.names.namespace) continue;
          ctx.print(JSON.stringify(s.endpoints?.[0]?.data ?? {}));
          n++;
        }
        if (n === 0) ctx.print("no bet-stream replica answered");
        return;
      }
      default:
        throw new UsageError(`unknown action ${String(action)}`);
    }
  },
};
