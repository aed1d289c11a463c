/**
 * Simulated Moneypot traffic for the demo: a steady stream of bets (with the odd jackpot)
 * and deposits that appear unconfirmed and confirm a few seconds later. Everything is
 * published exactly as Moneypot's own services publish it (upstream contract): bets on
 * `names.upstream.bets(app_id)`, wallet events to the wallet stream with `Nats-Msg-Id`.
 */
import { randomInt } from "node:crypto";
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { MoneypotBet, encode, type Names } from "@socketpot/contracts";
import { depositEvents, publishWalletEvent } from "./wallet";

export interface SimUser {
  auth_id: number;
  uname: string;
}

export interface TrafficLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

// ------------------------------------------------------------------ pure generators

/**
 * Bet ids that do not collide with an earlier run's (the gateway drops repeated ids): 100
 * ids per second since 2026, more than the simulator ever uses.
 */
export function betIdBase(now: number = Date.now()): number {
  return Math.max(1, Math.floor((now - Date.UTC(2026, 0, 1)) / 1000)) * 100;
}

const PLINKO_PAYOUTS = [22, 5, 2, 1.4, 0.6, 0.4, 0.6, 1.4, 2, 5, 22];

export interface BetOptions {
  id: number;
  appId: number;
  user: SimUser;
  /** Forces a rare, large win. */
  jackpot?: boolean;
  now?: Date;
  random?: () => number;
}

/** One plausible Moneypot bet, validated against the upstream contract. */
export function makeBet(opts: BetOptions): MoneypotBet {
  const random = opts.random ?? Math.random;
  const wager = 100 * (1 + Math.floor(random() * 1000)); // 1-1000 bits
  const created_at = (opts.now ?? new Date()).toISOString();
  const common = {
    id: opts.id,
    app_id: opts.appId,
    auth_id: opts.user.auth_id,
    uname: opts.user.uname,
    wager,
    client_seed: Math.floor(random() * 2 ** 32),
    created_at,
  };
  const roll = random();
  if (!opts.jackpot && roll < 0.15) {
    const slot = Math.floor(random() * PLINKO_PAYOUTS.length);
    const payout = PLINKO_PAYOUTS[slot] ?? 1;
    return MoneypotBet.parse({ ...common, kind: "plinko", outcome: slot, profit: Math.round(wager * payout) - wager });
  }
  // Dice: win chance in percent, 1% house edge. A jackpot is a 0.09% shot (x1100) that hits.
  const chance = opts.jackpot ? 0.09 : [10, 25, 49.5, 49.5, 66, 80, 90][Math.floor(random() * 7)] ?? 49.5;
  const cond: "<" | ">" = random() < 0.5 ? "<" : ">";
  const target = cond === "<" ? chance : Math.round((100 - chance) * 100) / 100;
  const win = opts.jackpot ? true : random() * 100 < chance;
  const inWin = cond === "<" ? random() * target : target + random() * (100 - target);
  const inLoss = cond === "<" ? target + random() * (100 - target) : random() * target;
  const outcome = Math.round((win ? inWin : inLoss) * 100) / 100;
  const profit = win ? Math.round((wager * 99) / chance) - wager : -wager;
  return MoneypotBet.parse({
    ...common,
    kind: opts.jackpot || random() < 0.85 ? "simple_dice" : "101_dice",
    outcome,
    cond,
    target,
    profit,
  });
}

// ------------------------------------------------------------------ publishers

export function publishBet(nc: NatsConnection, names: Names, bet: MoneypotBet): void {
  nc.publish(names.upstream.bets(bet.app_id), encode(MoneypotBet.parse(bet)));
}

// ------------------------------------------------------------------ the simulator

export interface TrafficOptions {
  nc: NatsConnection;
  names: Names;
  appId: number;
  /** Who bets. */
  bettors: SimUser[];
  /** Who deposits (defaults to the bettors). */
  depositors?: SimUser[];
  betIntervalMs?: number;
  /** About one bet in this many is a jackpot. */
  jackpotEvery?: number;
  depositIntervalMs?: number;
  confirmAfterMs?: number;
  log: TrafficLog;
}

export interface TrafficSimulator {
  start(): void;
  stop(): Promise<void>;
}

export function createTrafficSimulator(opts: TrafficOptions): TrafficSimulator {
  const betIntervalMs = opts.betIntervalMs ?? 1500;
  const jackpotEvery = opts.jackpotEvery ?? 40;
  const depositIntervalMs = opts.depositIntervalMs ?? 20_000;
  const confirmAfterMs = opts.confirmAfterMs ?? 5000;
  const depositors = opts.depositors ?? opts.bettors;
  const js = jetstream(opts.nc);
  const confirmed = new Map<number, number>();
  const timers = new Set<NodeJS.Timeout>();
  const pending = new Set<Promise<void>>();
  let nextBetId = betIdBase();
  let stopped = false;
  let stopping: Promise<void> | undefined;

  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) fn();
    }, ms);
    timers.add(timer);
  };

  const pick = <T>(list: T[]): T => list[randomInt(list.length)] as T;

  function betTick(): void {
    const user = pick(opts.bettors);
    const bet = makeBet({ id: nextBetId++, appId: opts.appId, user, jackpot: randomInt(jackpotEvery) === 0 });
    publishBet(opts.nc, opts.names, bet);
    // Jitter keeps the stream looking alive rather than metronomic.
    later(Math.round(betIntervalMs * (0.5 + Math.random())), betTick);
  }

  function depositTick(): void {
    const user = pick(depositors);
    const amount = 100 * (100 + randomInt(50_000)); // 100-50,100 bits
    const balanceAfter = (confirmed.get(user.auth_id) ?? 0) + amount;
    confirmed.set(user.auth_id, balanceAfter);
    const { seen, confirmed: done } = depositEvents({ appId: opts.appId, authId: user.auth_id, amount, balanceAfter });
    track(
      publishWalletEvent(js, opts.names, seen).then(
        () => {
          opts.log.info({ uname: user.uname, amount }, "simulated deposit seen (unconfirmed)");
          later(confirmAfterMs, () =>
            track(
              publishWalletEvent(js, opts.names, done).then(
                () => opts.log.info({ uname: user.uname, amount }, "simulated deposit confirmed"),
                (err: unknown) => opts.log.warn({ err: String(err) }, "could not publish a wallet event"),
              ),
            ),
          );
        },
        (err: unknown) => opts.log.warn({ err: String(err) }, "could not publish a wallet event (is wallet-watcher up?)"),
      ),
    );
    later(Math.round(depositIntervalMs * (0.5 + Math.random())), depositTick);
  }

  return {
    start() {
      if (stopped) throw new Error("a stopped simulator cannot restart");
      later(0, betTick);
      later(2000, depositTick);
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        await Promise.allSettled([...pending]);
      })();
      return stopping;
    },
  };
}

/** Bettors that are not demo users, so the feed shows more than the people on the page. */
export const DEMO_BOTS: SimUser[] = [
  { auth_id: 9001, uname: "dice_whale" },
  { auth_id: 9002, uname: "lucky_lu" },
];

/** The simulator for a seeded demo app: everybody bets; the members receive the deposits. */
export function createDemoTraffic(
  demo: { app_id: number; users: Array<SimUser & { role: string }> },
  deps: { nc: NatsConnection; names: Names; log: TrafficLog },
): TrafficSimulator {
  const members = demo.users.filter((u) => u.role === "MEMBER");
  return createTrafficSimulator({
    ...deps,
    appId: demo.app_id,
    bettors: [...demo.users, ...DEMO_BOTS],
    depositors: members.length ? members : demo.users,
  });
}
