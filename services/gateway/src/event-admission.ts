import type { ErrorCode } from "@socketpot/contracts";

/** One client event at the edge, before any work is done for it. */
export interface AdmissionRequest {
  socketId: string;
  /** Known once the socket authenticated (per-app and per-user limits). */
  appId?: number;
  authId?: number;
  event: string;
  /** The event's encoded size, all packets counted. */
  bytes: number;
}

export type Admission =
  | { ok: true; /** Called once when the event's callback has been answered. */ release(): void }
  | {
      ok: false;
      error: Extract<ErrorCode, "RATE_LIMITED">;
      /** The client_error text; absent when the socket was told recently (a flood is not answered with a flood). */
      text?: string;
      /** The socket keeps flooding: it is disconnected after this answer. */
      disconnect?: boolean;
    };

/**
 * The one place where edge limits (events per second, concurrent pending requests, bytes per
 * second, per socket and per user) decide about a client event: Session.dispatch asks it
 * (its `admit` step) for every event as it arrives, before the size, name and payload checks
 * and before any NATS request. `release` is called once the event has been answered, also
 * when it was refused by a later check; `closed` when a socket goes away. The gateway's is
 * EdgeLimits (edge-limits/), built from its config.
 */
export interface EventAdmission {
  admit(request: AdmissionRequest): Admission;
  closed?(socketId: string): void;
}
