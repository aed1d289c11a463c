/**
 * Text in Engine.IO v3 long-polling payloads, read and written so that every EIO3 client
 * gets it right whatever it does with UTF-8 (see eio3-polling.ts for which does what).
 */

const NON_ASCII = /[\u0080-\uffff]/g;
const HIGH_BYTE = /[\u0080-\u00ff]/;
const ABOVE_BYTE = /[^\u0000-\u00ff]/;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The packet text with every non-ASCII UTF-16 unit as a JSON `\uXXXX` escape. A socket.io
 * packet holds non-ASCII text only inside JSON strings, so it means the same to the client,
 * and an ASCII payload reads the same with or without a UTF-8 decoding step.
 */
export function escapeNonAscii(text: string): string {
  return text.replace(NON_ASCII, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * socket.io-client 1.x (engine.io-parser 1.x) UTF-8-encodes each packet into a string of
 * byte values before it posts a text payload, which the browser or Node then encodes as
 * UTF-8 once more. A packet that is only byte values, has some above 0x7F, and decodes as
 * strict UTF-8 is read back; anything else (ASCII, or text from a client that sent it as
 * is: it then has a unit above 0xFF or is not a valid UTF-8 byte sequence) is kept.
 */
export function undoUtf8PreEncoding(text: string): string {
  if (!HIGH_BYTE.test(text) || ABOVE_BYTE.test(text)) return text;
  try {
    return strictUtf8.decode(Buffer.from(text, "latin1"));
  } catch {
    return text;
  }
}
