/**
 * The gateway's Prometheus metrics (on the process registry; see service-kit metrics). The
 * hot paths only bump plain numbers in SessionCounts and the relay's per-family counts; the
 * registry reads them at scrape time.
 */
import type { Subscription } from "@socketpot/contracts";
import { counterFrom, gaugeFrom, type Registry } from "@socketpot/service-kit";
import type { FamilyCounts } from "./relay/fanout-relay";

/** A socket's state on this gateway, as /metrics reports it. */
export type SocketState = "waiting" | "authenticating" | "authenticated";

/** What sessions count: sockets by state and subscription, auth outcomes, replies, client_errors. */
export class SessionCounts {
  readonly sockets: Record<SocketState, number> = { waiting: 0, authenticating: 0, authenticated: 0 };
  readonly subscribed = new Map<Subscription, number>();
  readonly auths = new Map<string, number>();
  readonly replies = new Map<string, number>();
  readonly clientErrors = new Map<string, number>();

  /** A socket moved between states (undefined: it appeared or went away). */
  moved(from: SocketState | undefined, to: SocketState | undefined): void {
    if (from) this.sockets[from]--;
    if (to) this.sockets[to]++;
  }

  /** An authenticated socket holds (+1) or gave up (-1) these subscriptions. */
  subscriptions(granted: Iterable<Subscription>, delta: 1 | -1): void {
    for (const s of granted) this.subscribed.set(s, (this.subscribed.get(s) ?? 0) + delta);
  }

  /** An auth request's outcome: `user`, `anonymous`, or the error code it was answered with. */
  auth(outcome: string): void {
    bump(this.auths, outcome);
  }

  /** A client event's callback was answered: `ok` or the error code. */
  reply(code: string): void {
    bump(this.replies, code);
  }

  /** A client_error was emitted, by reason (`invalid`, `unknown_event`, `auth_timeout`, ...). */
  clientError(reason: string): void {
    bump(this.clientErrors, reason);
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function entries<L extends string>(map: ReadonlyMap<string, number>, label: L): Array<[Partial<Record<L, string>>, number]> {
  return [...map].map(([key, value]) => [{ [label]: key } as Partial<Record<L, string>>, value]);
}

export function registerGatewayMetrics(registry: Registry, sessions: SessionCounts, families: () => FamilyCounts[]): void {
  gaugeFrom(registry, "socketpot_gateway_sockets", "Connected sockets by state: waiting (for auth), authenticating, authenticated", ["state"], () =>
    Object.entries(sessions.sockets).map(([state, n]) => [{ state }, n]),
  );
  gaugeFrom(registry, "socketpot_gateway_subscribed_sockets", "Authenticated sockets holding each subscription", ["subscription"], () =>
    entries(sessions.subscribed, "subscription"),
  );
  counterFrom(registry, "socketpot_gateway_auths_total", "Auth requests by outcome: user, anonymous, or the error code answered", ["outcome"], () =>
    entries(sessions.auths, "outcome"),
  );
  counterFrom(registry, "socketpot_gateway_replies_total", "Client event callbacks (auth included) by code: ok or the error code", ["code"], () =>
    entries(sessions.replies, "code"),
  );
  counterFrom(registry, "socketpot_gateway_client_errors_total", "client_error events emitted, by reason", ["reason"], () =>
    entries(sessions.clientErrors, "reason"),
  );
  counterFrom(registry, "socketpot_gateway_relayed_total", "Fan-out client emits to a room, by family", ["family"], () =>
    families().map((f) => [{ family: f.family }, f.relayed]),
  );
  counterFrom(registry, "socketpot_gateway_deliveries_total", "Fan-out client emits times the sockets of the room on this gateway, by family", ["family"], () =>
    families().map((f) => [{ family: f.family }, f.delivered]),
  );
  counterFrom(
    registry,
    "socketpot_gateway_relay_rejects_total",
    "Fan-out messages not relayed, by family and reason: invalid (failed validation), policy (the delivery policy dropped it), failed (relaying threw)",
    ["family", "reason"],
    () =>
      families().flatMap((f) => [
        [{ family: f.family, reason: "invalid" }, f.rejected],
        [{ family: f.family, reason: "policy" }, f.dropped],
        [{ family: f.family, reason: "failed" }, f.failed],
      ]),
  );
}
