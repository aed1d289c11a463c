/**
 * The encoded size of each client event, all of its packets counted. socket.io sends an
 * event with binary attachments as a text packet (`5<n>-...`, or `6<n>-...` for an ack) and
 * then each attachment as an engine.io packet of its own; the event is dispatched when the
 * last one arrives. socket.io's parser takes at most 10 attachments, and engine.io bounds
 * each packet (MAX_FRAME_BYTES), so what one event can buffer is bounded too.
 */
export class EventSizeMeter {
  private bytes = 0;
  private attachmentsDue = 0;

  /** One engine.io message packet, in arrival order (`socket.conn`'s "packet" event). */
  packet(data: unknown): void {
    if (typeof data === "string") {
      this.bytes = Buffer.byteLength(data);
      this.attachmentsDue = attachmentCount(data);
    } else if (data instanceof Uint8Array || data instanceof ArrayBuffer) {
      const size = data.byteLength;
      if (this.attachmentsDue > 0) {
        this.bytes += size;
        this.attachmentsDue--;
      } else {
        this.bytes = size;
      }
    }
  }

  /** The size of the event dispatched last (all its packets). */
  get lastEventBytes(): number {
    return this.bytes;
  }
}

/** How many binary packets follow a socket.io text packet: `5<n>-` (binary event) or `6<n>-` (binary ack). */
function attachmentCount(packet: string): number {
  const type = packet.charCodeAt(0);
  if (type !== 0x35 && type !== 0x36) return 0;
  let n = 0;
  for (let i = 1; i < packet.length && i < 12; i++) {
    const c = packet.charCodeAt(i);
    if (c === 0x2d) return n;
    if (c < 0x30 || c > 0x39) return 0;
    n = n * 10 + (c - 0x30);
  }
  return 0;
}
