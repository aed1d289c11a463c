/**
 * A typed Socketpot client: socket.io-client 4.x with the event maps from
 * @socketpot/contracts, so every `emit` and `on` is checked by the compiler.
 *
 *   npx tsx examples/typed-client.ts --url http://localhost:3000 --app 1 [--token <uuid>] [--say "hello"]
 *
 * It authenticates, prints the chat history, balance changes and bets as they arrive,
 * optionally posts one message, and runs until Ctrl-C. After a reconnect it recovers the
 * deposit notifications it missed (`recover`, with a DepositsCursor) and says how many.
 */
import { parseArgs } from "node:util";
import { io, type Socket } from "socket.io-client";
import {
  DepositsCursor,
  type AuthResponse,
  type ClientToServerEvents,
  type ErrorCode,
  type MessageObject,
  type ServerToClientEvents,
  type Subscription,
} from "@socketpot/contracts";

export type SocketpotSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ClientOptions {
  url: string;
  appId: number;
  accessToken?: string;
  subscriptions: Subscription[];
  /** Where `client_error` texts go (default: console.warn). */
  onClientError?: (text: string) => void;
  /** Every successful auth, the first and each after a reconnect. */
  onAuth?: (response: AuthResponse) => void;
  /** Remembers the last deposit notification: each re-auth asks to recover what came after it. */
  deposits?: DepositsCursor;
}

/** Connects and resolves with the auth response, or rejects with the callback's error code. */
export function connectSocketpot(opts: ClientOptions): { socket: SocketpotSocket; ready: Promise<AuthResponse> } {
  const socket: SocketpotSocket = io(opts.url, { transports: ["websocket"] });
  const cursor = opts.deposits;
  const ready = new Promise<AuthResponse>((resolve, reject) => {
    // Authenticate on every (re)connection: the server forgets a socket when it drops.
    socket.on("connect", () => {
      const recover = cursor?.recover();
      socket.emit(
        "auth",
        { app_id: opts.appId, access_token: opts.accessToken, subscriptions: opts.subscriptions, ...(recover ? { recover } : {}) },
        (err, response) => {
          if (err || !response) return reject(new Error(`auth failed: ${err ?? "no response"}`));
          // Before any replayed notification is handled: they follow this callback.
          cursor?.authenticated(response.deposits);
          opts.onAuth?.(response);
          resolve(response);
        },
      );
    });
    socket.on("connect_error", (err) => reject(err));
  });
  // Always listen for client_error: it explains what the client did wrong.
  socket.on("client_error", opts.onClientError ?? ((text) => console.warn("[client_error]", text)));
  return { socket, ready };
}

/** Posts a chat message; resolves with the stored message or the error code (e.g. USER_IS_MUTED). */
export function say(socket: SocketpotSocket, text: string, channel?: string): Promise<MessageObject | ErrorCode> {
  return new Promise((resolve) => {
    socket.emit("new_message", { text, channel }, (err, message) => resolve(err ?? message!));
  });
}

function describeMessage(m: MessageObject): string {
  const who = m.user ? `${m.user.uname} (${m.user.role})` : "*system*";
  return `${m.created_at} #${m.channel} ${who}: ${m.text}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: "string", default: "http://localhost:3000" },
      app: { type: "string", default: "1" },
      token: { type: "string" },
      say: { type: "string" },
    },
  });
  const deposits = new DepositsCursor();
  let reconnects = 0;
  const { socket, ready } = connectSocketpot({
    url: values.url,
    appId: Number(values.app),
    accessToken: values.token,
    subscriptions: ["CHAT", "DEPOSITS", "BETS"],
    deposits,
    onAuth: (auth) => {
      if (auth.deposits) console.log(`unconfirmed balance ${auth.deposits.unconfirmed_balance} (seq ${auth.deposits.seq}${auth.deposits.recovered === false ? ", not all recovered" : ""})`);
      // The replay comes right after the callback: report it once it is in.
      if (reconnects++ > 0) setTimeout(() => console.log(`recovered ${deposits.recovered} deposit notifications`), 1_000);
    },
  });

  socket.on("new_message", (m) => console.log(describeMessage(m)));
  socket.on("user_joined", (u) => console.log(`-> ${u.uname} joined (${u.role})`));
  socket.on("user_left", (u) => console.log(`<- ${u.uname} left`));
  socket.on("unconfirmed_balance_change", (c) => {
    if (deposits.take(c) !== "duplicate") console.log(`unconfirmed balance ${c.balance} (${c.diff >= 0 ? "+" : ""}${c.diff})`);
  });
  // The same notification also comes as confirmed_deposit_change: listen to one of them.
  socket.on("balance_change", (c) => {
    if (deposits.take(c) !== "duplicate") console.log(`confirmed balance ${c.balance} (${c.diff >= 0 ? "+" : ""}${c.diff})`);
  });
  socket.on("new_bet", (b) => console.log(`bet ${b.id} by ${b.uname}: wager ${b.wager}, profit ${b.profit}`));
  socket.on("disconnect", (reason) => console.log(`[socket] disconnected: ${reason}`));

  const auth = await ready;
  console.log(`authenticated as ${auth.user ? `${auth.user.uname} (${auth.user.role})` : "anonymous"}; subscriptions: ${auth.subscriptions.join(", ")}`);
  for (const m of auth.chat?.messages ?? []) console.log(describeMessage(m));
  console.log(`online: ${Object.keys(auth.chat?.userlist ?? {}).join(", ") || "nobody"}`);

  if (values.say) {
    const result = await say(socket, values.say);
    console.log(typeof result === "string" ? `not sent: ${result}` : `sent message ${result.id}`);
  }
  process.once("SIGINT", () => {
    socket.close();
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
