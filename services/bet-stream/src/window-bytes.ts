import { grown } from "./grown";

/**
 * The bytes of the bets offered to the sampler in the open windows, copied out of the
 * connection's read buffer into one growing buffer and named by an index, until the
 * windows close (`clear`).
 *
 * Holding a view per bet instead would keep the read buffers alive for a window and give
 * the garbage collector a long-lived object per bet: at thousands of apps, nearly every bet
 * is held for a window, and collecting those objects costs more than copying the bytes.
 */
export class WindowBytes {
  private bytes: Uint8Array;
  private starts: Int32Array;
  private lengths: Int32Array;
  private count = 0;
  private end = 0;

  constructor(initialBytes = 1 << 20, initialBets = 4096) {
    this.bytes = new Uint8Array(initialBytes);
    this.starts = new Int32Array(initialBets);
    this.lengths = new Int32Array(initialBets);
  }

  /** Bets held. */
  get size(): number {
    return this.count;
  }

  /** Copies a bet in; returns its index (valid until `clear`). */
  add(bet: Uint8Array): number {
    if (this.end + bet.length > this.bytes.length) this.bytes = grown(this.bytes, this.end, this.end + bet.length);
    if (this.count === this.starts.length) {
      this.starts = grown(this.starts, this.count, this.count + 1);
      this.lengths = grown(this.lengths, this.count, this.count + 1);
    }
    this.bytes.set(bet, this.end);
    this.starts[this.count] = this.end;
    this.lengths[this.count] = bet.length;
    this.end += bet.length;
    return this.count++;
  }

  /** The bytes of bet `index` (a view, valid until `clear`). */
  get(index: number): Uint8Array {
    if (!(index >= 0 && index < this.count)) throw new RangeError(`no bet ${index}`);
    const start = this.starts[index]!;
    return this.bytes.subarray(start, start + this.lengths[index]!);
  }

  /** Forgets every bet; the buffers are kept for the next windows. */
  clear(): void {
    this.count = 0;
    this.end = 0;
  }
}
