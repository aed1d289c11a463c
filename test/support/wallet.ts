/** Wallet-watcher helpers for integration tests and benchmarks. */
import { randomBytes } from "node:crypto";
import type { NatsConnection } from "@nats-io/transport-node";
import type { WalletEvent } from "@socketpot/contracts";
import { WalletWatcherEnv, createWalletWatcherService, type WalletWatcherService } from "@socketpot/wallet-watcher";
import { pino } from "pino";

export interface RunningWatcher {
  watcher: WalletWatcherService;
  stop(): Promise<void>;
}

/** A wallet-watcher in this process, sharing the given NATS connection. */
export async function startWalletWatcher(
  nc: NatsConnection,
  natsUrl: string,
  namespace: string,
  env: Record<string, string> = {},
): Promise<RunningWatcher> {
  const config = WalletWatcherEnv.parse({
    NATS_URL: natsUrl,
    SOCKETPOT_NAMESPACE: namespace,
    WALLET_ACK_WAIT_MS: "2000",
    ...env,
  });
  const watcher = createWalletWatcherService({ config, nc, log: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }) });
  await watcher.start();
  return { watcher, stop: () => watcher.stop() };
}

export const txid = () => randomBytes(32).toString("hex");

let n = 0;
export const eventId = (tag = "ev") => `${tag}-${Date.now().toString(36)}-${(n++).toString(36)}-${randomBytes(3).toString("hex")}`;

type Who = { app_id: number; auth_id: number };

export const walletEvents = {
  seen: (who: Who, tx: string, amount: number, vout = 0, event_id = eventId("seen")): WalletEvent => ({
    ...who,
    event_id,
    type: "deposit_seen",
    txid: tx,
    vout,
    amount,
  }),
  confirmed: (who: Who, tx: string, amount: number, balance_after: number, vout = 0, event_id = eventId("conf")): WalletEvent => ({
    ...who,
    event_id,
    type: "deposit_confirmed",
    txid: tx,
    vout,
    amount,
    balance_after,
  }),
  dropped: (who: Who, tx: string, vout = 0, event_id = eventId("drop")): WalletEvent => ({
    ...who,
    event_id,
    type: "deposit_dropped",
    txid: tx,
    vout,
    reason: "evicted",
  }),
  adjusted: (who: Who, amount: number, balance_after: number, event_id = eventId("adj")): WalletEvent => ({
    ...who,
    event_id,
    type: "balance_adjusted",
    reason: amount < 0 ? "withdrawal" : "transfer_in",
    amount,
    balance_after,
  }),
};

export const DEPOSIT_EVENTS = ["unconfirmed_balance_change", "balance_change", "confirmed_deposit_change"];
