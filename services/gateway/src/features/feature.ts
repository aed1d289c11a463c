import type { z } from "zod";
import type { Logger } from "pino";
import type {
  AppRecord,
  AuthResponse,
  FanoutFamily,
  Names,
  RpcCatalogue,
  RpcReply,
  Subscription,
  UserObject,
} from "@socketpot/contracts";
import type { RpcClient } from "@socketpot/service-kit";
import type { RecentBetsCache } from "../recent-bets";

/** Gateway settings features read (from GatewayConfig). */
export interface FeatureSettings {
  /** Longest wait between two attempts to tell chat that a socket left. */
  chatLeaveRetryMaxMs: number;
}

/** What a feature knows about the socket it serves. */
export interface SessionContext {
  readonly socketId: string;
  readonly gatewayId: string;
  readonly app: AppRecord;
  readonly user?: UserObject;
  readonly log: Logger;
  readonly names: Names;
  readonly rpcs: RpcCatalogue;
  readonly rpc: RpcClient;
  /** Recent bets per BETS room, for late joiners. */
  readonly recentBets: RecentBetsCache;
  readonly settings: FeatureSettings;
  /** True while the gateway shuts down: services learn about it from the goodbye instead. */
  readonly gatewayStopping: () => boolean;
}

/**
 * A socket.io room backed by one NATS fan-out subject. `subscription` (default: `subject`)
 * is what the gateway subscribes to: a wildcard lets many rooms share one subscription.
 */
export interface FanoutRoom {
  family: FanoutFamily;
  subject: string;
  subscription?: string;
}

export interface AuthContribution {
  response?: Partial<Pick<AuthResponse, "chat" | "bets">>;
  rooms: FanoutRoom[];
}

export interface ClientEventHandler<S extends z.ZodType = z.ZodType, R = unknown> {
  schema: S;
  requireUser: boolean;
  handle(ctx: SessionContext, payload: z.output<S>): Promise<RpcReply<R>>;
}

/** One subscription ("CHAT", "DEPOSITS", "BETS") as the gateway serves it. */
export interface GatewayFeature {
  subscription: Subscription;
  requiresUser: boolean;
  /** Joins the socket to the feature; an error reply fails the whole auth. */
  onAuth(ctx: SessionContext): Promise<RpcReply<AuthContribution>>;
  /** Called once when an authenticated socket leaves (not while the gateway stops). */
  onDisconnect?(ctx: SessionContext): Promise<void>;
  clientEvents?: Record<string, ClientEventHandler>;
}

export function defineClientEvent<S extends z.ZodType, R>(handler: ClientEventHandler<S, R>): ClientEventHandler {
  return handler as unknown as ClientEventHandler;
}
