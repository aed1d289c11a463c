// The thread of FanoutPublisher (fanout-publisher.ts): publishes the batches of `new_bets`
// messages the main thread hands it, on a NATS connection of its own, in the order received.
// Plain JavaScript, so that it starts the same under node, tsx and vitest (a worker gets no
// TypeScript loader of its own).
//
// workerData: { servers: string[], name: string, subjectPrefix: string }
// in:  { type: "batch", bytes: ArrayBuffer, index: ArrayBuffer, count: number }
//        message i is bytes[index[3i+1], +index[3i+2]) for app index[3i], on subjectPrefix + app
//      { type: "close" }
// out: { type: "ready" } | { type: "closed" }   (a failure ends the thread with its error)
//      { type: "status", status, server }      (disconnects, reconnects and errors, for the log)
import { parentPort, workerData } from "node:worker_threads";
import { connect } from "@nats-io/transport-node";

const nc = await connect({
  servers: workerData.servers,
  name: workerData.name,
  maxReconnectAttempts: -1,
  reconnectTimeWait: 500,
  timeout: 5_000,
});
(async () => {
  for await (const s of nc.status()) {
    if (s.type === "disconnect" || s.type === "reconnect" || s.type === "error") {
      parentPort.postMessage({ type: "status", status: s.type, server: "server" in s ? String(s.server) : undefined });
    }
  }
})().catch(() => undefined);
/** @type {Map<number, string>} */
const subjects = new Map();

parentPort.on("message", (message) => {
  if (message.type === "batch") {
    const bytes = new Uint8Array(message.bytes);
    const index = new Int32Array(message.index);
    for (let i = 0; i < message.count; i++) {
      const appId = index[3 * i];
      let subject = subjects.get(appId);
      if (subject === undefined) {
        subject = workerData.subjectPrefix + appId;
        subjects.set(appId, subject);
      }
      const start = index[3 * i + 1];
      nc.publish(subject, bytes.subarray(start, start + index[3 * i + 2]));
    }
  } else if (message.type === "close") {
    // Drain: what was published reaches the server before the connection closes.
    nc.drain().then(
      () => parentPort.postMessage({ type: "closed" }),
      (err) => {
        throw err;
      },
    );
  }
});
parentPort.postMessage({ type: "ready" });
