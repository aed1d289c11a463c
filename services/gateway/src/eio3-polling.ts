/**
 * Engine.IO v3 long-polling as every socket.io-client 1.x and 2.x reads and writes it.
 * engine.io 6 (allowEIO3) speaks the EIO3 polling format of engine.io 3 servers, which
 * socket.io-client 2.x expects; 1.x clients were written against engine.io 1.x servers:
 *
 * - Replies to a client that asks for binary (no `b64`, XHR2 browsers): engine.io 6 sends a
 *   binary payload only when a packet holds binary data, else `text/plain`.
 *   socket.io-client 1.0-1.3 then sets `responseType = 'arraybuffer'` up front and turns a
 *   non-`application/octet-stream` reply into 'ok' (handshake fails: `connect_error`
 *   "server error"); 1.4-1.7 read the text's UTF-8 bytes as characters (non-ASCII text
 *   breaks the payload's lengths). Such a client gets every reply as a binary payload
 *   (`application/octet-stream`, engine.io's own v3 encoder), as engine.io 1.x sent it;
 *   2.x clients read either form by its Content-Type.
 * - Text replies (`b64` clients, e.g. 1.x in Node, and JSONP): 1.x clients UTF-8-decode each
 *   packet once more, 2.x clients do not; non-ASCII text is sent as JSON escapes, which
 *   both read the same.
 * - Text posts: 1.x clients UTF-8-encode each packet once more, 2.x clients do not; the
 *   extra encoding is undone where it is unambiguous (eio3-text.ts).
 *
 * EIO4 (socket.io-client 3.x, 4.x) and websockets are untouched.
 */
import type { IncomingMessage } from "node:http";
import { escapeNonAscii, undoUtf8PreEncoding } from "./eio3-text";

type Packet = { type: string; data?: unknown };
type PayloadCallback = (payload: string | Buffer) => void;
type PacketCallback = (packet: Packet, index: number, total: number) => unknown;

/** The part of engine.io's v3 parser module the shim uses. */
export interface Eio3Parser {
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

/** Installs the shim on an engine.io server (`io.engine`); applies to transports created afterwards. */
export function serveEio3Polling(engine: object): void {
  const factory = engine as TransportFactory;
  const create = factory.createTransport.bind(factory);
  const parsers = new Map<boolean, Eio3Parser>();
  factory.createTransport = (name, req) => {
    const transport = create(name, req);
    if (transport.name !== "polling" || transport.protocol !== 3) return transport;
    const binaryReplies = transport.supportsBinary && typeof req._query?.j !== "string";
    let parser = parsers.get(binaryReplies);
    if (!parser) parsers.set(binaryReplies, (parser = eio3PollingParser(transport.parser as Eio3Parser, binaryReplies)));
    transport.parser = parser;
    return transport;
  };
}
