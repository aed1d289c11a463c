import { describe, expect, it } from "vitest";
import { EventSizeMeter } from "../src/event-size";

describe("EventSizeMeter", () => {
  it("measures a text event as its packet", () => {
    const m = new EventSizeMeter();
    m.packet('2["new_message",{"text":"hé"}]');
    expect(m.lastEventBytes).toBe(Buffer.byteLength('2["new_message",{"text":"hé"}]'));
  });

  it("adds every binary attachment to the event's text packet, whatever their order of sizes", () => {
    const m = new EventSizeMeter();
    const head = '53-["new_message",{"a":{"_placeholder":true,"num":0}}]';
    m.packet(head);
    m.packet(new Uint8Array(90_000));
    m.packet(new Uint8Array(90_000));
    m.packet(new Uint8Array(5));
    expect(m.lastEventBytes).toBe(head.length + 180_005);
    // The next event starts again from its own packet.
    m.packet("2[\"x\"]");
    expect(m.lastEventBytes).toBe(6);
  });

  it("counts binary acks (6<n>-) and ArrayBuffers too", () => {
    const m = new EventSizeMeter();
    m.packet('61-1[{"_placeholder":true,"num":0}]');
    m.packet(new ArrayBuffer(1000));
    expect(m.lastEventBytes).toBe(1000 + '61-1[{"_placeholder":true,"num":0}]'.length);
  });

  it("treats a binary packet nobody announced as an event of its own", () => {
    const m = new EventSizeMeter();
    m.packet('2["x"]');
    m.packet(new Uint8Array(300));
    expect(m.lastEventBytes).toBe(300);
  });

  it.each(['5-["x"]', '5a-["x"]', "5123456789012345"])("reads no attachments from a malformed header %j", (head) => {
    const m = new EventSizeMeter();
    m.packet(head);
    m.packet(new Uint8Array(10));
    expect(m.lastEventBytes).toBe(10);
  });
});
