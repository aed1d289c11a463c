/**
 * One recovering socket's way from its auth to the live feed, without the clock or the
 * network: it has been sent every notification up to `delivered`; replayed ones (from the
 * deposits stream) and live ones (held while the replay runs) are sent only when they come
 * next, each `seq` once, in order. A missing `seq` is a gap: what the socket was promised is
 * not all there.
 */
import { depositSeq, type DepositFanout } from "@socketpot/contracts";

export class CatchUp {
  private held: DepositFanout[] = [];

  constructor(
    /** The highest `seq` the socket has (what it asked to recover from). */
    public delivered: number,
  ) {}

  /** A live notification that arrived while catching up. */
  hold(message: DepositFanout): void {
    this.held.push(message);
  }

  /** A replayed notification: whether to send it now, skip it (the socket has it), or a gap. */
  replayed(message: DepositFanout): "send" | "skip" | "gap" {
    return this.take(message);
  }

  /** Whether the held live notifications continue right after `delivered`. */
  heldContinues(): boolean {
    const next = this.held.map(depositSeq).filter((s) => s > this.delivered);
    return next.length === 0 || Math.min(...next) === this.delivered + 1;
  }

  /** The held live notifications to send, in order, each once; null on a gap. */
  drain(): DepositFanout[] | null {
    const out: DepositFanout[] = [];
    for (const m of [...this.held].sort((a, b) => depositSeq(a) - depositSeq(b))) {
      const verdict = this.take(m);
      if (verdict === "gap") return null;
      if (verdict === "send") out.push(m);
    }
    this.held = [];
    return out;
  }

  private take(message: DepositFanout): "send" | "skip" | "gap" {
    const seq = depositSeq(message);
    if (seq <= this.delivered) return "skip";
    if (seq !== this.delivered + 1) return "gap";
    this.delivered = seq;
    return "send";
  }
}
