import { describe, expect, it } from "vitest";
import { DeliveryTrail, type Delivery } from "../src/delivery-trail";

/** Deliveries numbered from `firstDelivery`, one per (subject, stream sequence), first deliveries. */
function feed(trail: DeliveryTrail, firstDelivery: number, msgs: Array<[string, number, number?]>): Array<number | undefined> {
  return msgs.map(([subject, streamSequence, deliveryCount = 1], i) =>
    trail.observe({ subject, streamSequence, deliverySequence: firstDelivery + i, deliveryCount } satisfies Delivery),
  );
}

describe("DeliveryTrail", () => {
  it("names each subject's previous message while every delivery is seen", () => {
    const t = new DeliveryTrail();
    // Not from the consumer's first delivery: a subject's first message here is unknown.
    expect(feed(t, 10, [["a", 5], ["b", 6], ["a", 7], ["c", 8], ["b", 9], ["a", 12]])).toEqual([undefined, undefined, 5, undefined, 6, 7]);
  });

  it("knows that a subject has no earlier message when it has seen the consumer's every delivery", () => {
    const t = new DeliveryTrail();
    expect(feed(t, 1, [["a", 1], ["b", 2], ["a", 3]])).toEqual([0, 0, 1]);
  });

  it("forgets everything at a gap in the delivery sequence (another replica got one)", () => {
    const t = new DeliveryTrail();
    expect(feed(t, 1, [["a", 1], ["b", 2]])).toEqual([0, 0]);
    // Delivery 3 went elsewhere: it may have been a message of "a".
    expect(feed(t, 4, [["a", 4], ["b", 5], ["a", 6]])).toEqual([undefined, undefined, 4]);
  });

  it("forgets everything when the delivery sequence steps back (a new consumer or leader)", () => {
    const t = new DeliveryTrail();
    expect(feed(t, 5, [["a", 10], ["a", 11]])).toEqual([undefined, 10]);
    expect(feed(t, 5, [["a", 12]])).toEqual([undefined]);
    // A new consumer starting over at delivery 1 has seen everything again.
    expect(feed(t, 1, [["a", 1], ["a", 2]])).toEqual([0, 1]);
  });

  it("learns nothing from a redelivery, which still keeps the run unbroken", () => {
    const t = new DeliveryTrail();
    expect(feed(t, 1, [["a", 1], ["a", 1, 2], ["a", 2]])).toEqual([0, undefined, 1]);
    // A run that starts with a redelivery did not see the consumer's first delivery.
    const u = new DeliveryTrail();
    expect(feed(u, 1, [["a", 7, 2], ["b", 8]])).toEqual([undefined, undefined]);
  });

  it("never names a later message as the previous one", () => {
    const t = new DeliveryTrail();
    expect(feed(t, 1, [["a", 9], ["a", 3]])).toEqual([0, undefined]);
  });

  it("forgets the least recently delivered subjects beyond its limit, and then knows less", () => {
    const t = new DeliveryTrail(2);
    expect(feed(t, 1, [["a", 1], ["b", 2], ["c", 3]])).toEqual([0, 0, 0]);
    expect(t.size).toBe(2);
    // "a" was forgotten: its previous message is no longer known, and an unseen subject
    // may have been one of the forgotten ones.
    expect(feed(t, 4, [["a", 4], ["c", 5], ["d", 6]])).toEqual([undefined, 3, undefined]);
  });

  it("stops trusting the sequence after a malformed delivery", () => {
    const t = new DeliveryTrail();
    expect(feed(t, 1, [["a", 1]])).toEqual([0]);
    expect(t.observe({ subject: "a", streamSequence: Number.NaN, deliverySequence: 2, deliveryCount: 1 })).toBeUndefined();
    expect(feed(t, 3, [["a", 3]])).toEqual([undefined]);
  });

  it("rejects a limit that is not a positive integer", () => {
    expect(() => new DeliveryTrail(0)).toThrow(RangeError);
  });
});
