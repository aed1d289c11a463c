import { describe, expect, it } from "vitest";
import { WindowBytes } from "../src/window-bytes";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (s: string) => new TextEncoder().encode(s);

describe("WindowBytes", () => {
  it("keeps its own copy of each bet, named by an index, until cleared", () => {
    const w = new WindowBytes(16, 2);
    const read = bytes('{"id":1}{"id":2}');
    const a = w.add(read.subarray(0, 8));
    const b = w.add(read.subarray(8));
    read.fill(0);
    expect([text(w.get(a)), text(w.get(b))]).toEqual(['{"id":1}', '{"id":2}']);
    w.clear();
    expect(w.size).toBe(0);
    expect(() => w.get(a)).toThrow(RangeError);
  });

  it("grows past its initial size without losing what it holds", () => {
    const w = new WindowBytes(8, 1);
    const sent = Array.from({ length: 300 }, (_, i) => `{"id":${i},"pad":"${"x".repeat(i % 40)}"}`);
    const indexes = sent.map((s) => w.add(bytes(s)));
    expect(indexes.map((i) => text(w.get(i)))).toEqual(sent);
    w.clear();
    expect(text(w.get(w.add(bytes("{}"))))).toBe("{}");
  });
});
