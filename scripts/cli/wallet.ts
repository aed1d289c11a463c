import { randomBytes } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { WalletEvent } from "@socketpot/contracts";
import { publishWalletEvent, randomTxid } from "@socketpot/simulator";
import { UsageError, defineCommand, intFlag, note, printJson, requireFlag, type CliAction, type CliCommand, type CliContext, type Flags } from "./command";

const eventOptions = {
  app: { type: "string" },
  user: { type: "string" },
  amount: { type: "string" },
  "balance-after": { type: "string" },
  txid: { type: "string" },
  vout: { type: "string" },
  reason: { type: "string" },
  "event-id": { type: "string" },
} as const;

function common(values: Flags) {
  const eventId = typeof values["event-id"] === "string" ? values["event-id"] : `cli-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
  return { event_id: eventId, app_id: intFlag(values, "app"), auth_id: intFlag(values, "user"), occurred_at: new Date().toISOString() };
}

function vout(values: Flags): number {
  return values.vout === undefined ? 0 : intFlag(values, "vout");
}

function buildEvent(action: string, values: Flags): WalletEvent {
  switch (action) {
    case "deposit-seen":
      return { ...common(values), type: "deposit_seen", txid: typeof values.txid === "string" ? values.txid : randomTxid(), vout: vout(values), amount: intFlag(values, "amount") };
    case "deposit-confirmed":
      return {
        ...common(values),
        type: "deposit_confirmed",
        txid: requireFlag(values, "txid"),
        vout: vout(values),
        amount: intFlag(values, "amount"),
        balance_after: intFlag(values, "balance-after"),
      };
    case "deposit-dropped": {
      const reason = values.reason ?? "double_spent";
      if (reason !== "double_spent" && reason !== "evicted") throw new UsageError("--reason must be double_spent or evicted");
      return { ...common(values), type: "deposit_dropped", txid: requireFlag(values, "txid"), vout: vout(values), reason };
    }
    case "adjust": {
      const reason = values.reason ?? (intFlag(values, "amount") < 0 ? "withdrawal" : "transfer_in");
      if (reason !== "withdrawal" && reason !== "transfer_in" && reason !== "transfer_out" && reason !== "correction") {
        throw new UsageError("--reason must be withdrawal, transfer_in, transfer_out or correction");
      }
      return { ...common(values), type: "balance_adjusted", reason, amount: intFlag(values, "amount"), balance_after: intFlag(values, "balance-after") };
    }
    default:
      throw new UsageError(`unknown wallet action ${action}`);
  }
}

async function publish(action: string, flags: Flags, ctx: CliContext): Promise<void> {
  const event = buildEvent(action, flags);
  const ack = await publishWalletEvent(jetstream(ctx.nc), ctx.names, event).catch((err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    if (/no responders|503|stream not found/i.test(msg)) {
      throw new Error(`no stream ${ctx.names.upstream.walletStream} takes wallet events yet: start the wallet-watcher (it creates the stream) (${msg})`);
    }
    throw err;
  });
  printJson(ctx, { event, stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate });
}

const publishers: Array<[string, string, string]> = [
  ["deposit-seen", "--app APP_ID --user AUTH_ID --amount SATS [--txid HEX] [--vout N]", "an unconfirmed deposit"],
  ["deposit-confirmed", "--app APP_ID --user AUTH_ID --txid HEX --amount SATS --balance-after SATS [--vout N]", "a deposit confirmed"],
  ["deposit-dropped", "--app APP_ID --user AUTH_ID --txid HEX [--vout N] [--reason double_spent|evicted]", "an unconfirmed deposit dropped"],
  ["adjust", "--app APP_ID --user AUTH_ID --amount SIGNED_SATS --balance-after SATS [--reason withdrawal|transfer_in|transfer_out|correction]", "a balance change"],
];

async function deadLetters(flags: Flags, ctx: CliContext): Promise<void> {
  const limit = flags.limit === undefined ? 20 : intFlag(flags, "limit");
  if (limit < 1) throw new UsageError("--limit must be at least 1");
  const jsm = await jetstreamManager(ctx.nc);
  const stream = ctx.names.upstream.walletDeadLetterStream;
  const info = await jsm.streams.info(stream).catch(() => null);
  if (!info || info.state.messages === 0) return note(ctx, "no dead letters");
  const first = Math.max(info.state.first_seq, info.state.last_seq - limit + 1);
  for (let seq = first; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!m) continue;
    printJson(ctx, {
      seq,
      error: m.header.get("Socketpot-Error"),
      subject: m.header.get("Socketpot-Original-Subject"),
      original_seq: m.header.get("Socketpot-Original-Seq"),
      msg_id: m.header.get("Socketpot-Original-Msg-Id"),
      data: new TextDecoder().decode(m.data).slice(0, 500),
    });
  }
}

export const walletCommand: CliCommand = defineCommand({
  summary: "publish wallet events as Moneypot's wallet services do; read dead letters",
  actions: [
    ...publishers.map(
      ([name, usage, summary]): CliAction => ({ name, usage, summary, options: eventOptions, run: (flags, ctx) => publish(name, flags, ctx) }),
    ),
    {
      name: "dead-letters",
      usage: "[--limit N]",
      summary: "the newest dead-lettered events with their errors, one per line",
      options: { limit: { type: "string" } },
      run: deadLetters,
    },
  ],
  notes: ["Every publish takes --event-id ID (default: random); it is also the Nats-Msg-Id."],
});
