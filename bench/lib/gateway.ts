/** The Socketpot gateway as a benchmark target (child process + seeded directory). */
import type { Target } from "./targets";

export async function gatewayTarget(_opts: { subscriptions: string[] }): Promise<Target> {
  throw new Error("the gateway target needs the foundation (services/gateway) to be merged");
}
