/**
 * Baseline for deposit latency: a plain NATS -> socket.io relay with nothing else (no auth,
 * no validation, no JetStream, no state). Clients emit `join` (user id, ack) to enter their
 * room; every core NATS message on `<prefix>.<user>` is emitted to that room as
 * `unconfirmed_balance_change`. Prints `{"port":N}` on stdout when ready; SIGTERM stops it.
 * argv[2]: JSON { natsUrl, prefix }.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { connect } from "@nats-io/transport-node";

const opts = JSON.parse(process.argv[2] ?? "{}") as { natsUrl: string; prefix: string };
const nc = await connect({ servers: opts.natsUrl, name: "bench-plain-relay" });
const http = createServer();
const io = new Server(http, { allowEIO3: true });
const decoder = new TextDecoder();

io.on("connection", (socket) => {
  socket.on("join", (user: unknown, cb: unknown) => {
    void socket.join(`u:${String(user)}`);
    if (typeof cb === "function") cb(null);
  });
});

nc.subscribe(`${opts.prefix}.*`, {
  callback: (_err, msg) => {
    const user = msg.subject.slice(opts.prefix.length + 1);
    io.to(`u:${user}`).emit("unconfirmed_balance_change", JSON.parse(decoder.decode(msg.data)));
  },
});
await nc.flush();

await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
process.stdout.write(`${JSON.stringify({ port: (http.address() as AddressInfo).port })}\n`);

process.once("SIGTERM", () => {
  io.close();
  void nc.drain().finally(() => process.exit(0));
});
