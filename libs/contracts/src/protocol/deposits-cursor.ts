/**
 * The client's side of deposit recovery, without a socket: it remembers the `seq` of the last
 * notification the client applied, asks to `recover` from it on every (re)authentication, and
 * tells each arriving notification apart: replayed (missed while away), live, or a copy of
 * one already applied (drop it).
 *
 *   const cursor = new DepositsCursor();
 *   socket.on("connect", () => socket.emit("auth", { ...request, recover: cursor.recover() }, (err, res) => {
 *     if (!err) cursor.authenticated(res.deposits);
 *   }));
 *   socket.on("unconfirmed_balance_change", (c) => { if (cursor.take(c) !== "duplicate") show(c); });
 *   socket.on("balance_change", (c) => { if (cursor.take(c) !== "duplicate") show(c); });
 *
 * Listen to one of `balance_change` / `confirmed_deposit_change` only: both carry the same
 * notification (same `seq`).
 */
import type { BalanceChange, DepositsRecover, DepositsSnapshot } from "./deposits";

export type DepositArrival = "replayed" | "live" | "duplicate";

export class DepositsCursor {
  /** The `seq` of the last notification applied (or the snapshot's, when it was trusted). */
  seq = 0;
  /** Notifications of the last recovering auth that came back replayed. */
  recovered = 0;
  private known = false;
  private replayedThrough = 0;

  /** What to send as `AuthRequest.recover`: nothing before the first auth. */
  recover(): DepositsRecover | undefined {
    return this.known ? { deposits_seq: this.seq } : undefined;
  }

  /**
   * The auth response's `deposits`. Returns whether the snapshot replaces what the client
   * holds (first auth, or `recovered: false`): then show `unconfirmed_balance` as it is.
   */
  authenticated(snapshot: DepositsSnapshot | undefined): boolean {
    this.recovered = 0;
    if (!snapshot) return false;
    const trust = !this.known || snapshot.recovered !== true;
    if (trust) this.seq = snapshot.seq;
    this.replayedThrough = snapshot.seq;
    this.known = true;
    return trust;
  }

  /** One arriving notification. */
  take(change: Pick<BalanceChange, "seq">): DepositArrival {
    if (change.seq <= this.seq) return "duplicate";
    this.seq = change.seq;
    if (change.seq <= this.replayedThrough) {
      this.recovered++;
      return "replayed";
    }
    return "live";
  }
}
