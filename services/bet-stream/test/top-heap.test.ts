import { describe, expect, it } from "vitest";
import { TopHeap } from "../src/top-heap";

describe("TopHeap", () => {
  it("holds the most interesting bets offered (highest score, then the earlier), in arrival order", () => {
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (const capacity of [1, 2, 5, 16, 17, 100]) {
      const heap = new TopHeap<string>(capacity);
      for (let window = 0; window < 20; window++) {
        const n = Math.floor(random() * capacity * 4);
        const offered = Array.from({ length: n }, (_, seq) => ({ seq, score: Math.floor(random() * 6), item: `b${seq}` }));
        for (const b of offered) heap.offer(b.score, b.seq, b.item);
        const best = [...offered].sort((a, b) => b.score - a.score || a.seq - b.seq).slice(0, capacity);
        const inArrivalOrder = (bets: typeof offered) => [...bets].sort((a, b) => a.seq - b.seq).map((b) => b.item);
        expect(heap.best(capacity).map((p) => heap.itemAt(p)), `capacity ${capacity}`).toEqual(inArrivalOrder(best));
        const some = Math.floor(capacity / 2);
        expect(heap.best(some).map((p) => heap.itemAt(p))).toEqual(inArrivalOrder(best.slice(0, some)));
        heap.clear();
        expect(heap.size).toBe(0);
      }
    }
  });

  it("admits a bet only while it could still enter", () => {
    const heap = new TopHeap<number>(2);
    expect(heap.admits(0)).toBe(true);
    heap.offer(5, 1, 1);
    heap.offer(3, 2, 2);
    expect(heap.admits(3)).toBe(false); // a tie loses to the earlier bet
    expect(heap.admits(4)).toBe(true);
    heap.offer(4, 3, 3);
    expect(heap.best(2).map((p) => heap.itemAt(p))).toEqual([1, 3]);
  });
});
