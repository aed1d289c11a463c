/**
 * Engine.IO v3 as every socket.io-client 1.x and 2.x reads and writes it. engine.io 6
 * (allowEIO3) speaks EIO3 as engine.io 3 servers did, which socket.io-client 2.x expects;
 * 1.x clients were written against engine.io 1.x servers and differ:
 *
 * - Polling replies to a client that asks for binary (no `b64`, XHR2 browsers): engine.io 6
 *   sends a binary payload only when a packet holds binary data, else `text/plain`.
 *   socket.io-client 1.0-1.3 then sets `responseType = 'arraybuffer'` up front and turns a
 *   non-`application/octet-stream` reply into 'ok' (handshake fails: `connect_error`
 *   "server error"); 1.4-1.7 read the text's UTF-8 bytes as characters (non-ASCII text
 *   breaks the payload's lengths). Such a client gets every reply as a binary payload
 *   (`application/octet-stream`, engine.io's own v3 encoder), as engine.io 1.x sent it;
 *   2.x clients read either form by its Content-Type.
 * - Polling text replies (`b64` clients, e.g. 1.x in Node, and JSONP): 1.x clients
 *   UTF-8-decode each packet once more, 2.x clients do not; non-ASCII text is sent as JSON
 *   escapes, which both read the same.
 * - Polling text posts: 1.x clients UTF-8-encode each packet once more, 2.x clients do not;
 *   the extra encoding is undone where it is unambiguous (eio3-text.ts).
 * - socket.io-client 1.0.x speaks Engine.IO v2 (`EIO=2`, which engine.io answers as v3) and
 *   UTF-8-encodes and -decodes websocket frames once more too: the same two rules apply to
 *   its websocket.
 *
 * EIO4 (socket.io-client 3.x, 4.x) and the websockets of EIO3 clients are untouched.
 */
import type { IncomingMessage } from "node:http";
import { escapeNonAscii, undoUtf8PreEncoding } from "./eio3-text";

type Packet = { type: string; data?: unknown; options?: { wsPreEncodedFrame?: unknown } };
type PayloadCallback = (payload: string | Buffer) => void;
type PacketCallback = (packet: Packet, index: number, total: number) => unknown;

/** The part of engine.io's v3 parser module the shim uses. */
export interface Eio3Parser {
  encodePacket(packet: Packet, supportsBinary: boolean, callback: PayloadCallback): void;
  decodePacket(data: string | Buffer, ...rest: unknown[]): Packet;
  encodePayload(packets: Packet[], supportsBinary: boolean, callback: PayloadCallback): void;
  encodePayloadAsBinary(packets: Packet[], callback: PayloadCallback): void;
  decodePayload(data: string | Buffer, callback: PacketCallback): void;
}

/** The part of an engine.io transport the shim reads and sets. */
export interface EngineTransport {
  readonly name: string;
  readonly protocol: number;
  readonly supportsBinary: boolean;
  parser: unknown;
  send(packets: Packet[]): void;
}

type EngineRequest = IncomingMessage & { _query?: Record<string, string | undefined> };

/** engine.io's Server, reduced to the (protected) transport factory the shim wraps. */
interface TransportFactory {
  createTransport(name: string, req: EngineRequest): EngineTransport;
}

const withText = (packet: Packet, map: (text: string) => string): Packet =>
  typeof packet.data === "string" ? { ...packet, data: map(packet.data) } : packet;

/**
 * The v3 parser as a polling transport of an EIO3 client uses it: `binaryReplies` for a
 * client that asked for binary over XHR (not JSONP, whose body must be text).
 */
export function eio3PollingParser<P extends Eio3Parser>(parser: P, binaryReplies: boolean): P {
  return {
    ...parser,
    encodePayload: (packets, supportsBinary, callback) =>
      binaryReplies
        ? parser.encodePayloadAsBinary(packets, callback)
        : parser.encodePayload(packets.map((p) => withText(p, escapeNonAscii)), supportsBinary, callback),
    decodePayload: (data, callback) =>
      typeof data === "string"
        ? parser.decodePayload(data, (packet, index, total) => callback(withText(packet, undoUtf8PreEncoding), index, total))
        : parser.decodePayload(data, callback),
  };
}

/**
 * The v3 parser as the websocket of an EIO2 client (socket.io-client 1.0.x) uses it. The
 * transport must not send broadcasts' pre-encoded frames, which skip the parser.
 */
export function eio2WebSocketParser<P extends Eio3Parser>(parser: P): P {
  return {
    ...parser,
    encodePacket: (packet, supportsBinary, callback) => parser.encodePacket(withText(packet, escapeNonAscii), supportsBinary, callback),
    decodePacket: (data, ...rest) => (typeof data === "string" ? withText(parser.decodePacket(data, ...rest), undoUtf8PreEncoding) : parser.decodePacket(data, ...rest)),
  };
}

const withoutPreEncodedFrame = (packet: Packet): Packet =>
  packet.options?.wsPreEncodedFrame === undefined ? packet : { ...packet, options: { ...packet.options, wsPreEncodedFrame: undefined } };

type Variant = "polling-binary" | "polling-text" | "eio2-websocket";

function variantOf(transport: EngineTransport, req: EngineRequest): Variant | undefined {
  if (transport.protocol !== 3) return undefined;
  if (transport.name === "polling") return transport.supportsBinary && typeof req._query?.j !== "string" ? "polling-binary" : "polling-text";
  if (transport.name === "websocket" && req._query?.EIO === "2") return "eio2-websocket";
  return undefined;
}

/** Installs the shim on an engine.io server (`io.engine`); applies to transports created afterwards. */
export function serveEio3Compat(engine: object): void {
  const factory = engine as TransportFactory;
  const create = factory.createTransport.bind(factory);
  const parsers = new Map<Variant, Eio3Parser>();
  factory.createTransport = (name, req) => {
    const transport = create(name, req);
    const variant = variantOf(transport, req);
    if (!variant) return transport;
    let parser = parsers.get(variant);
    if (!parser) {
      const v3 = transport.parser as Eio3Parser;
      parser = variant === "eio2-websocket" ? eio2WebSocketParser(v3) : eio3PollingParser(v3, variant === "polling-binary");
      parsers.set(variant, parser);
    }
    transport.parser = parser;
    if (variant === "eio2-websocket") {
      const send = transport.send.bind(transport);
      transport.send = (packets) => send(packets.map(withoutPreEncodedFrame));
    }
    return transport;
  };
}
