/**
 * The most interesting bets of one app's open window, at most `capacity`: a min-heap on
 * (score, then arrival: at an equal score the later bet is the less interesting), kept in
 * three parallel arrays that are reused window after window. Offering a bet allocates
 * nothing: at thousands of apps nearly every bet waits a window here, long enough for an
 * object per bet to outlive a young-generation collection, and copying such objects was
 * most of bet-stream's garbage-collection time.
 */
export class TopHeap<T> {
  private readonly scores: number[] = [];
  private readonly seqs: number[] = [];
  private readonly items: T[] = [];

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.scores.length;
  }

  /** Whether a bet with this score would enter: false once full of bets that score at least as high. */
  admits(score: number): boolean {
    return this.scores.length < this.capacity || score > this.scores[0]!;
  }

  /** Offers a bet; `seq` orders arrival (later bets have larger ones). */
  offer(score: number, seq: number, item: T): void {
    const n = this.scores.length;
    if (n < this.capacity) {
      this.scores.push(score);
      this.seqs.push(seq);
      this.items.push(item);
      this.siftUp(n, score, seq, item);
    } else if (score > this.scores[0]!) {
      this.siftDown(score, seq, item);
    }
  }

  /**
   * Positions of the `count` most interesting bets held (highest score, then the earlier),
   * in arrival order; all of them when `count` >= size. Read them with `seqAt`/`itemAt`
   * before `clear`.
   */
  best(count: number): number[] {
    const n = this.scores.length;
    const positions: number[] = [];
    for (let i = 0; i < n; i++) positions.push(i);
    if (count < n) {
      this.sort(positions, n, (a, b) => this.scores[b]! - this.scores[a]! || this.seqs[a]! - this.seqs[b]!);
      positions.length = Math.max(0, count);
    }
    this.sort(positions, positions.length, (a, b) => this.seqs[a]! - this.seqs[b]!);
    return positions;
  }

  seqAt(position: number): number {
    return this.seqs[position]!;
  }

  itemAt(position: number): T {
    return this.items[position]!;
  }

  /** Empties the heap for the next window (the arrays are kept). */
  clear(): void {
    this.scores.length = 0;
    this.seqs.length = 0;
    this.items.length = 0;
  }

  private move(to: number, from: number): void {
    this.scores[to] = this.scores[from]!;
    this.seqs[to] = this.seqs[from]!;
    this.items[to] = this.items[from]!;
  }

  private put(i: number, score: number, seq: number, item: T): void {
    this.scores[i] = score;
    this.seqs[i] = seq;
    this.items[i] = item;
  }

  /** Moves the bet at position i (score, seq, item) up to its place. */
  private siftUp(i: number, score: number, seq: number, item: T): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!lessInteresting(score, seq, this.scores[parent]!, this.seqs[parent]!)) break;
      this.move(i, parent);
      i = parent;
    }
    this.put(i, score, seq, item);
  }

  /** Replaces the root (the least interesting bet) with this one and moves it down to its place. */
  private siftDown(score: number, seq: number, item: T): void {
    const n = this.scores.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && lessInteresting(this.scores[r]!, this.seqs[r]!, this.scores[l]!, this.seqs[l]!) ? r : l;
      if (!lessInteresting(this.scores[c]!, this.seqs[c]!, score, seq)) break;
      this.move(i, c);
      i = c;
    }
    this.put(i, score, seq, item);
  }

  /** Sorts positions[0, n) in place: by insertion for the few bets a window of one app usually holds. */
  private sort(positions: number[], n: number, compare: (a: number, b: number) => number): void {
    if (n > 16) {
      const sorted = positions.slice(0, n).sort(compare);
      for (let i = 0; i < n; i++) positions[i] = sorted[i]!;
      return;
    }
    for (let i = 1; i < n; i++) {
      const p = positions[i]!;
      let j = i - 1;
      while (j >= 0 && compare(positions[j]!, p) > 0) {
        positions[j + 1] = positions[j]!;
        j--;
      }
      positions[j + 1] = p;
    }
  }
}

/** Heap order (the root is the least interesting): a lower score, or the same score and a later arrival. */
function lessInteresting(score: number, seq: number, otherScore: number, otherSeq: number): boolean {
  return score < otherScore || (score === otherScore && seq > otherSeq);
}
