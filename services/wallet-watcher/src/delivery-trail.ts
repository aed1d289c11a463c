/**
 * Which message of a subject came before a delivered one, known from the deliveries alone,
 * so the order gate need not ask the stream (`next_by_subj`, one round trip per event).
 *
 * A JetStream consumer numbers every delivery it makes, redeliveries included (the delivery
 * sequence, one more each time), and first delivers the stream's messages in stream order.
 * So while this replica has seen every delivery from some point on (each delivery sequence
 * one more than the one before), any message of a subject stored between two of its first
 * deliveries P and M would have been first-delivered between them too, and been seen here:
 * the previous message of M's subject is the last first delivery of that subject seen
 * since that point. A gap in the delivery sequences (another replica got a delivery, or a
 * delivery was lost on the way) or a step back (a new consumer, or a new consumer leader
 * repeating deliveries) starts over: what was seen before it no longer tells anything.
 * While the run began with the consumer's very first delivery (sequence 1) and no subject
 * has been forgotten, a subject not seen yet has no earlier message at all (0); this holds
 * for the consumer's deliver policy (`all`: from the stream's first message).
 *
 * Pure and synchronous: feed it every delivery in the order they arrive on the consumer.
 */

export type Delivery = {
  subject: string;
  /** The message's stream sequence. */
  streamSequence: number;
  /** The consumer's delivery sequence of this delivery. */
  deliverySequence: number;
  /** 1 on the first delivery of the message. */
  deliveryCount: number;
};

export class DeliveryTrail {
  /** Counts unbroken runs of deliveries; what is remembered from an earlier run is void. */
  #run = 0;
  #nextDelivery: number | undefined;
  /** This run began at the consumer's first delivery and has forgotten no subject. */
  #complete = false;
  /** Per subject, its newest first delivery seen: stream sequence, and in which run. */
  readonly #last = new Map<string, { run: number; seq: number }>();

  /** `limit`: subjects remembered at most (the least recently delivered are forgotten). */
  constructor(readonly limit = 100_000) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }

  /**
   * Records `d` and returns the stream sequence of the previous message of its subject (0:
   * there is none), or undefined when that is not known here (then ask the stream).
   */
  observe(d: Delivery): number | undefined {
    if (!Number.isSafeInteger(d.deliverySequence) || !Number.isSafeInteger(d.streamSequence)) {
      this.#break();
      return undefined;
    }
    if (this.#nextDelivery === undefined || d.deliverySequence !== this.#nextDelivery) {
      this.#run++;
      this.#complete = d.deliverySequence === 1 && d.deliveryCount === 1;
    }
    this.#nextDelivery = d.deliverySequence + 1;
    // A redelivery says nothing about what came before it; it only keeps the run unbroken.
    if (d.deliveryCount !== 1) return undefined;
    const prev = this.#last.get(d.subject);
    const before =
      prev !== undefined && prev.run === this.#run
        ? prev.seq < d.streamSequence
          ? prev.seq
          : undefined
        : // Not seen in this run: none before it, if this run has seen every delivery there was.
          this.#complete
          ? 0
          : undefined;
    this.#last.delete(d.subject);
    this.#last.set(d.subject, { run: this.#run, seq: d.streamSequence });
    if (this.#last.size > this.limit) {
      this.#last.delete(this.#last.keys().next().value!);
      this.#complete = false;
    }
    return before;
  }

  /** Forgets everything seen so far (a delivery was taken out of the sequence). */
  #break(): void {
    this.#run++;
    this.#nextDelivery = undefined;
    this.#complete = false;
  }

  /** Subjects remembered (tests, metrics). */
  get size(): number {
    return this.#last.size;
  }
}
