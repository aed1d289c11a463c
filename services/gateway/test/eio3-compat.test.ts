import { createServer, type Server as HttpServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Server, type Socket } from "socket.io";
import { eio2WebSocketParser, serveEio3Compat, type Eio3Parser } from "../src/eio3-compat";
import { escapeNonAscii, undoUtf8PreEncoding } from "../src/eio3-text";

const TEXT = "ünïcødé ✓ 🎲";
/** What engine.io-parser 1.x's utf8.encode makes of a string: one character per UTF-8 byte. */
const preEncoded = (s: string) => Buffer.from(s, "utf8").toString("latin1");

describe("escapeNonAscii", () => {
  it("turns every non-ASCII UTF-16 unit into a JSON escape with the same meaning", () => {
    const packet = `42["new_message",{"text":"${TEXT}"}]`;
    const escaped = escapeNonAscii(packet);
    expect(escaped).toBe('42["new_message",{"text":"\\u00fcn\\u00efc\\u00f8d\\u00e9 \\u2713 \\ud83c\\udfb2"}]');
    expect(/^[\x00-\x7f]*$/.test(escaped)).toBe(true);
    expect(JSON.parse(escaped.slice(2))).toEqual(JSON.parse(packet.slice(2)));
  });

  it("leaves ASCII alone", () => {
    expect(escapeNonAscii('2probe')).toBe("2probe");
  });
});

describe("undoUtf8PreEncoding", () => {
  it("reads back a 1.x client's UTF-8-encoded packet", () => {
    expect(undoUtf8PreEncoding(preEncoded(`42["new_message",{"text":"${TEXT}"}]`))).toBe(`42["new_message",{"text":"${TEXT}"}]`);
  });

  it("keeps ASCII, text with units above 0xFF, and byte strings that are not UTF-8", () => {
    expect(undoUtf8PreEncoding('42["a"]')).toBe('42["a"]');
    expect(undoUtf8PreEncoding(`42["${TEXT}"]`)).toBe(`42["${TEXT}"]`);
    expect(undoUtf8PreEncoding('42["café"]')).toBe('42["café"]');
  });

  it("reads a 2.x client's literal 'Ã©' as 'é': the one ambiguous case, documented", () => {
    expect(undoUtf8PreEncoding("Ã©")).toBe("é");
  });
});

/** engine.io's own v3 parser (the package exports only its entry point). */
const require = createRequire(import.meta.url);
const v3: Eio3Parser = require(path.join(path.dirname(require.resolve("engine.io")), "parser-v3", "index.js"));

describe("eio2WebSocketParser (socket.io-client 1.0.x websockets)", () => {
  const ws = eio2WebSocketParser(v3);

  it("sends non-ASCII as JSON escapes, which 1.0.x's extra UTF-8 decoding leaves alone", () => {
    let frame: unknown;
    ws.encodePacket({ type: "message", data: `2["hello","${TEXT}"]` }, true, (f) => (frame = f));
    expect(frame).toBe(`42["hello","${escapeNonAscii(TEXT)}"]`);
  });

  it("reads back 1.0.x's UTF-8-encoded frames", () => {
    expect(ws.decodePacket(preEncoded(`42["say","${TEXT}"]`))).toEqual({ type: "message", data: `2["say","${TEXT}"]` });
    expect(ws.decodePacket("2probe")).toEqual({ type: "ping", data: "probe" });
  });
});

/** A binary payload as engine.io-parser 1.x decodes it: <0 = string><length digits><255><bytes>... */
function binaryPackets(body: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < body.length) {
    expect(body[at], "a string part").toBe(0);
    let digits = "";
    for (at++; body[at] !== 255; at++) digits += String(body[at]);
    const length = Number(digits);
    out.push(body.subarray(at + 1, at + 1 + length).toString("utf8"));
    at += 1 + length;
  }
  return out;
}

/** A text payload: <length>:<packet>... */
function textPackets(body: string): string[] {
  const out: string[] = [];
  for (let at = 0; at < body.length; ) {
    const colon = body.indexOf(":", at);
    const length = Number(body.slice(at, colon));
    out.push(body.slice(colon + 1, colon + 1 + length));
    at = colon + 1 + length;
  }
  return out;
}

let http: HttpServer;
let io: Server;
let base: string;
const sockets: Socket[] = [];
const received: unknown[] = [];

beforeAll(async () => {
  http = createServer();
  io = new Server(http, { allowEIO3: true });
  serveEio3Compat(io.engine);
  io.on("connection", (socket) => {
    sockets.push(socket);
    socket.on("say", (text: unknown) => received.push(text));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/socket.io/`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => io.close(() => resolve()));
});

async function get(query: string): Promise<{ type: string | null; body: Buffer }> {
  const res = await fetch(`${base}?${query}`);
  return { type: res.headers.get("content-type"), body: Buffer.from(await res.arrayBuffer()) };
}

async function handshake(query: string): Promise<string> {
  const { type, body } = await get(query);
  const open = type === "application/octet-stream" ? binaryPackets(body)[0]! : textPackets(body.toString())[0]!;
  return (JSON.parse(open.slice(1)) as { sid: string }).sid;
}

/** The server socket of the engine.io session `sid` (socket.io's connection runs right after the handshake). */
async function serverSocket(sid: string): Promise<Socket> {
  for (let i = 0; i < 50; i++) {
    const socket = sockets.find((s) => (s.conn as unknown as { id: string }).id === sid);
    if (socket) return socket;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no socket for ${sid}`);
}

describe("EIO3 polling replies", () => {
  it("are binary payloads for a client that asks for binary, text packets included (the handshake of socket.io-client 1.0-1.3)", async () => {
    const { type, body } = await get("EIO=3&transport=polling");
    expect(type).toBe("application/octet-stream");
    const [open] = binaryPackets(body);
    expect(open).toMatch(/^0\{"sid":"[^"]+","upgrades":\["websocket"\]/);
  });

  it("carry non-ASCII text as UTF-8 bytes in a binary payload", async () => {
    const sid = await handshake("EIO=3&transport=polling");
    (await serverSocket(sid)).emit("hello", TEXT);
    const { type, body } = await get(`EIO=3&transport=polling&sid=${sid}`);
    expect(type).toBe("application/octet-stream");
    expect(binaryPackets(body)).toContain(`42["hello","${TEXT}"]`);
  });

  it("are text with non-ASCII as JSON escapes for b64 clients", async () => {
    const sid = await handshake("EIO=3&transport=polling&b64=1");
    (await serverSocket(sid)).emit("hello", TEXT);
    const { type, body } = await get(`EIO=3&transport=polling&b64=1&sid=${sid}`);
    expect(type).toMatch(/^text\/plain/);
    const packets = textPackets(body.toString("utf8"));
    expect(body.every((byte) => byte < 0x80)).toBe(true);
    expect(JSON.parse(packets.find((p) => p.startsWith("42"))!.slice(2))).toEqual(["hello", TEXT]);
  });

  it("stay text for JSONP", async () => {
    const { type, body } = await get("EIO=3&transport=polling&j=0");
    expect(type).toMatch(/^text\/plain/);
    expect(body.toString()).toMatch(/^___eio\[0\]\("\d+:0\{/);
  });

  it("are untouched for EIO4", async () => {
    const { type, body } = await get("EIO=4&transport=polling");
    expect(type).toMatch(/^text\/plain/);
    expect(body.toString()).toMatch(/^0\{"sid"/);
  });
});

describe("EIO3 polling posts", () => {
  async function post(sid: string, packet: string): Promise<void> {
    const res = await fetch(`${base}?EIO=3&transport=polling&sid=${sid}`, {
      method: "POST",
      headers: { "content-type": "text/plain;charset=UTF-8" },
      body: `${packet.length}:${packet}`,
    });
    expect(await res.text()).toBe("ok");
  }

  it("read a 1.x client's UTF-8-encoded text and a 2.x client's text alike", async () => {
    const sid = await handshake("EIO=3&transport=polling");
    await post(sid, preEncoded(`42["say","1.x ${TEXT}"]`));
    await post(sid, `42["say","2.x ${TEXT}"]`);
    await expect.poll(() => received).toEqual([`1.x ${TEXT}`, `2.x ${TEXT}`]);
  });
});
