import type { z } from "zod";
import type { Logger } from "pino";
import type { NatsConnection } from "@nats-io/transport-node";
import type { AppRecord, AuthResponse, DepositsRecover, Names, RpcCatalogue, RpcReply, Subscription, UserObject } from "@socketpot/contracts";
import type { DirectGets, RpcClient } from "@socketpot/service-kit";
import type { GatewayConfig } from "../config";
import type { FanoutRoom, RelayRegistry } from "../relay/fanout-relay";
import type { ResyncRegistry } from "../relay/reconnect-resync";

/** What every feature is created with, once per gateway. */
export interface FeatureDeps {
  gatewayId: string;
  nc: NatsConnection;
  names: Names;
  rpcs: RpcCatalogue;
  rpc: RpcClient;
  relay: RelayRegistry;
  /** Where a feature registers what it does when the NATS connection comes back. */
  resync: ResyncRegistry;
  /** The gateway's direct-get reader (owned and closed by the gateway). */
  gets: DirectGets;
  config: GatewayConfig;
  log: Logger;
  /** True while the gateway shuts down: services learn about its sockets from its goodbye. */
  stopping(): boolean;
}

/** What a feature knows about one authenticated (or authenticating) socket. */
export interface SessionInfo {
  readonly socketId: string;
  readonly app: AppRecord;
  readonly user?: UserObject;
  /** What the auth request asked to recover (`AuthRequest.recover`). */
  readonly recover?: DepositsRecover;
  /** A logger bound to the socket, app and user. */
  readonly log: Logger;
}

/** What joining a feature adds to the auth response, and the rooms the socket joins. */
export interface FeatureJoin {
  response?: Partial<Pick<AuthResponse, "chat" | "bets" | "deposits">>;
  rooms: FanoutRoom[];
}

/** A client event a feature serves (a socket must hold the feature's subscription). */
export interface ClientEventHandler<S extends z.ZodType = z.ZodType, R = unknown> {
  schema: S;
  /** Refused with LOGIN_REQUIRED for a socket without a user. */
  needsUser: boolean;
  handle(session: SessionInfo, payload: z.output<S>): Promise<RpcReply<R>>;
}

/**
 * One subscription ("CHAT", "DEPOSITS", "BETS") as a plugin: created once per gateway with
 * what it needs (`FeatureDeps`), it owns its state and registers the relay handling of its
 * fan-out families when created; the gateway closes features in reverse order on shutdown.
 */
export interface Feature {
  readonly subscription: Subscription;
  /** Granted only to sockets with a user. */
  readonly needsUser: boolean;
  /** Sets the socket up; an error reply fails the whole auth. */
  join(session: SessionInfo): Promise<RpcReply<FeatureJoin>>;
  /** Right after the auth callback went out: what the feature emits now precedes anything later. */
  authenticated?(session: SessionInfo): void;
  /** Once when a socket that joined leaves (not while the gateway stops). */
  leave?(session: SessionInfo): Promise<void>;
  readonly clientEvents?: Readonly<Record<string, ClientEventHandler>>;
  close?(): void | Promise<void>;
}

export function defineClientEvent<S extends z.ZodType, R>(handler: ClientEventHandler<S, R>): ClientEventHandler {
  return handler as unknown as ClientEventHandler;
}
