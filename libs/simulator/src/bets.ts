/**
 * Realistic Moneypot bet traffic for demos, load tests and benchmarks: random kinds,
 * wagers spread over five orders of magnitude, a 1% house edge, and occasional jackpots.
 * `createBetGenerator` is pure and seeded; `publishBets` sends its bets at a steady rate.
 */
import { encode, type MoneypotBet, type Names } from "@socketpot/contracts";
import { seededRandom } from "@socketpot/service-kit";
import { DEFAULT_SCORE_CONFIG } from "@socketpot/bet-stream";

export interface BetGeneratorOptions {
  /** Seed of the pseudo-random generator (same seed, same bets). */
  seed?: number;
  /** First bet id (ids increase by one). */
  firstId?: number;
  /** Probability that a bet is a jackpot (default 0.0005). */
  jackpotProbability?: number;
  /** Every n-th bet of each app is a jackpot (0: off), on top of the probability. */
  jackpotEvery?: number;
  /** Profit of a generated jackpot, at least the default jackpot threshold. */
  jackpotProfit?: number;
  /** How many distinct players per app (default 50). */
  players?: number;
  /** Clock for created_at (default Date.now). */
  now?: () => number;
}

export interface BetGenerator {
  /** The next bet for `appId`. */
  next(appId: number): MoneypotBet;
  readonly generated: number;
  readonly jackpots: number;
}

const PLINKO_PAYOUTS = [1000, 130, 26, 9, 4, 2, 0.2, 0.2, 0.2, 0.2, 0.2, 2, 4, 9, 26, 130, 1000];

export function createBetGenerator(options: BetGeneratorOptions = {}): BetGenerator {
  const random = seededRandom(options.seed ?? 1);
  const jackpotProbability = options.jackpotProbability ?? 0.0005;
  const jackpotEvery = options.jackpotEvery ?? 0;
  const jackpotProfit = Math.max(options.jackpotProfit ?? DEFAULT_SCORE_CONFIG.jackpotProfit, 1);
  const players = Math.max(1, options.players ?? 50);
  const now = options.now ?? Date.now;
  const perApp = new Map<number, number>();
  let nextId = options.firstId ?? 1;
  let generated = 0;
  let jackpots = 0;

  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const hex = (n: number) => {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(random() * 16)];
    return s;
  };
  /** Wagers from 1 to 1,000,000 satoshis, log-uniform: small bets are the common case. */
  const wager = () => Math.max(1, Math.round(10 ** (random() * 6)));

  function base(appId: number, kind: MoneypotBet["kind"], w: number, profit: number, outcome: number): MoneypotBet {
    const player = int(1, players);
    return {
      id: nextId++,
      app_id: appId,
      auth_id: appId * 1000 + player,
      uname: `player${player}_${appId}`,
      kind,
      wager: w,
      profit,
      outcome,
      client_seed: int(0, 2 ** 32 - 1),
      secret: int(0, 2 ** 32 - 1),
      salt: hex(32),
      created_at: new Date(now()).toISOString(),
    };
  }

  function dice(appId: number, kind: "simple_dice" | "101_dice", forceWin: number | undefined): MoneypotBet {
    const w = wager();
    const max = kind === "101_dice" ? 100 : 99.99;
    const chance = forceWin !== undefined ? 0.01 : [0.01, 0.1, 0.25, 0.495, 0.5, 0.75, 0.9, 0.98][int(0, 7)]!;
    const cond: "<" | ">" = random() < 0.5 ? "<" : ">";
    const target = Math.round((cond === "<" ? chance * (max + 0.01) : max - chance * (max + 0.01)) * 100) / 100;
    const multiplier = 0.99 / chance;
    const rawOutcome = random() * max;
    let outcome = kind === "101_dice" ? Math.floor(rawOutcome + 0.5) : Math.round(rawOutcome * 100) / 100;
    let win = cond === "<" ? outcome < target : outcome > target;
    if (forceWin !== undefined) {
      outcome = cond === "<" ? 0 : max;
      win = true;
    }
    const profit = forceWin ?? (win ? Math.round(w * multiplier) - w : -w);
    const bet = base(appId, kind, forceWin !== undefined ? Math.max(1, Math.ceil(forceWin / 98)) : w, profit, outcome);
    bet.cond = cond;
    bet.target = target;
    return bet;
  }

  function plinko(appId: number): MoneypotBet {
    const w = wager();
    let slot = 0;
    for (let i = 0; i < PLINKO_PAYOUTS.length - 1; i++) if (random() < 0.5) slot++;
    const profit = Math.round(w * PLINKO_PAYOUTS[slot]!) - w;
    const bet = base(appId, "plinko", w, profit, slot);
    bet.payouts = PLINKO_PAYOUTS;
    return bet;
  }

  function custom(appId: number): MoneypotBet {
    const w = wager();
    const win = random() < 0.33;
    const value = win ? w * 3 : 0;
    const bet = base(appId, "custom", w, value - w, int(0, 2 ** 32 - 1));
    bet.payouts = [{ from: 0, to: 1417339208, value: w * 3 }];
    return bet;
  }

  return {
    next(appId: number): MoneypotBet {
      const n = (perApp.get(appId) ?? 0) + 1;
      perApp.set(appId, n);
      generated++;
      const jackpot = (jackpotEvery > 0 && n % jackpotEvery === 0) || random() < jackpotProbability;
      if (jackpot) {
        jackpots++;
        return dice(appId, "simple_dice", jackpotProfit + int(0, jackpotProfit));
      }
      const r = random();
      if (r < 0.45) return dice(appId, "simple_dice", undefined);
      if (r < 0.7) return plinko(appId);
      if (r < 0.9) return dice(appId, "101_dice", undefined);
      return custom(appId);
    },
    get generated() {
      return generated;
    },
    get jackpots() {
      return jackpots;
    },
  };
}

export interface PublishBetsOptions extends BetGeneratorOptions {
  /** Where to publish: `nc.publish` of a NATS connection, or anything alike. */
  publish: (subject: string, data: Uint8Array) => void;
  /** Wait until what was published reached the server (e.g. `() => nc.flush()`). */
  flush?: () => Promise<void>;
  names: Names;
  /** Apps to spread the traffic over, round-robin. */
  appIds: number[];
  /** Bets per second in total. */
  rate: number;
  durationMs: number;
  /** Called with each bet as it is published (tests keep what they sent). */
  onBet?: (bet: MoneypotBet) => void;
  signal?: AbortSignal;
}

export interface PublishBetsResult {
  published: number;
  jackpots: number;
  elapsedMs: number;
}

/** Publishes `rate` bets per second for `durationMs`, paced in 10 ms steps. */
export async function publishBets(options: PublishBetsOptions): Promise<PublishBetsResult> {
  if (options.appIds.length === 0) throw new RangeError("appIds must not be empty");
  if (!(options.rate > 0)) throw new RangeError("rate must be positive");
  const gen = createBetGenerator(options);
  const subjects = options.appIds.map((id) => options.names.upstream.bets(id));
  const total = Math.floor((options.rate * options.durationMs) / 1000);
  const start = performance.now();
  let published = 0;
  let i = 0;
  while (published < total && !options.signal?.aborted) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * options.rate) / 1000) + 1);
    while (published < due) {
      const k = i++ % options.appIds.length;
      const bet = gen.next(options.appIds[k]!);
      options.publish(subjects[k]!, encode(bet));
      options.onBet?.(bet);
      published++;
    }
    if (options.flush) await options.flush();
    const nextDue = ((published + 1) * 1000) / options.rate;
    const wait = Math.max(0, Math.min(10, nextDue - (performance.now() - start)));
    await new Promise((r) => setTimeout(r, wait));
  }
  if (options.flush) await options.flush();
  return { published, jackpots: gen.jackpots, elapsedMs: performance.now() - start };
}
