/**
 * The flooder of the chat-flood benchmark, in its own process: one user posting `rate`
 * messages per second for `seconds`, either as one socket.io client through the gateway
 * (`via: "gateway"`, opening a new socket whenever the gateway disconnects one) or as chat
 * post requests straight on NATS (`via: "nats"`: a flood that
 * got past the edge, e.g. through many gateways). Counts the answers by outcome and prints
 * one JSON line.
 *
 * argv: JSON {via, rate, seconds, gatewayUrl?, appId, token?, natsUrl?, subject?, user?}
 */
import { io as connectIo, type Socket } from "socket.io-client";
import { connect, createInbox, headers } from "@nats-io/transport-node";
import { RPC_DEADLINE_HEADER } from "@socketpot/contracts";

interface Args {
  via: "gateway" | "nats";
  rate: number;
  seconds: number;
  gatewayUrl?: string;
  appId: number;
  token?: string;
  natsUrl?: string;
  subject?: string;
  user?: { uname: string; auth_id: number; role: string };
}

const TICK_MS = 10;
/** How long answers are awaited after the last send. */
const DRAIN_MS = 6_000;
const NATS_DEADLINE_MS = 5_000;

const args = JSON.parse(process.argv[2] ?? "{}") as Args;
const outcomes: Record<string, number> = {};
let sent = 0;
const count = (outcome: string) => void (outcomes[outcome] = (outcomes[outcome] ?? 0) + 1);

/** Calls `send` at `rate` per second in 10 ms ticks for `seconds`. */
async function paced(send: (i: number) => void): Promise<number> {
  const perTick = args.rate / (1000 / TICK_MS);
  const started = performance.now();
  const until = started + args.seconds * 1000;
  let owed = 0;
  while (performance.now() < until) {
    owed += perTick;
    for (; owed >= 1; owed--) send(sent++);
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  return (performance.now() - started) / 1000;
}

/** One socket, authenticated; rejects if the auth fails. */
async function floodSocket(): Promise<Socket> {
  const socket = connectIo(args.gatewayUrl!, { transports: ["websocket"], forceNew: true, reconnection: false, timeout: 20_000 });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  const authErr = await new Promise<string | null>((resolve) =>
    socket.emit("auth", { app_id: args.appId, access_token: args.token, subscriptions: ["CHAT"] }, (err: string | null) => resolve(err)),
  );
  if (authErr) throw new Error(`flooder auth failed: ${authErr}`);
  socket.on("client_error", () => count("client_errors"));
  return socket;
}

/** Floods through the gateway; a socket the gateway disconnects is replaced at once (a determined flooder). */
async function viaGateway(): Promise<number> {
  let socket = await floodSocket();
  let replacing = false;
  const replace = () => {
    if (replacing) return;
    replacing = true;
    count("disconnected");
    void floodSocket().then(
      (s) => {
        socket = s;
        s.on("disconnect", replace);
        replacing = false;
      },
      () => {
        count("reconnect_failed");
        setTimeout(() => ((replacing = false), replace()), 100);
      },
    );
  };
  socket.on("disconnect", replace);
  const seconds = await paced((i) => {
    if (socket.connected) socket.emit("new_message", { text: `flood ${i}` }, (err: string | null) => count(err ?? "ok"));
    else count("not_sent_disconnected");
  });
  await new Promise((r) => setTimeout(r, DRAIN_MS));
  socket.off("disconnect", replace);
  socket.close();
  return seconds;
}

async function viaNats(): Promise<number> {
  const nc = await connect({ servers: args.natsUrl! });
  const inbox = createInbox();
  const decoder = new TextDecoder();
  nc.subscribe(inbox, {
    callback: (_e, m) => {
      const reply = JSON.parse(decoder.decode(m.data)) as { ok: boolean; error?: string };
      count(reply.ok ? "ok" : (reply.error ?? "?"));
    },
  });
  const seconds = await paced((i) => {
    const h = headers();
    h.set(RPC_DEADLINE_HEADER, String(Date.now() + NATS_DEADLINE_MS));
    nc.publish(args.subject!, JSON.stringify({ app_id: args.appId, user: args.user, channel: "lobby", text: `flood ${i}` }), { reply: inbox, headers: h });
  });
  await nc.flush();
  await new Promise((r) => setTimeout(r, DRAIN_MS));
  await nc.close();
  return seconds;
}

const seconds = await (args.via === "nats" ? viaNats() : viaGateway());
const answered = Object.entries(outcomes)
  .filter(([k]) => !["client_errors", "disconnected", "reconnect_failed", "not_sent_disconnected"].includes(k))
  .reduce((n, [, v]) => n + v, 0);
console.log(JSON.stringify({ sent, seconds, answered, outcomes }));
process.exit(0);
