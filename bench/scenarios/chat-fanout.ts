/**
 * chat-fanout: the full chat path through one gateway — client `new_message` -> gateway ->
 * chat (PostgreSQL insert) -> NATS -> gateway -> N sockets of one app — against one bare
 * socket.io process that builds the same message and broadcasts it to the same N. Each
 * server runs in its own process, the clients in their own client processes per system, the
 * rounds interleave (lib/fanout-run.ts). The clustered comparison is chat-fanout-cluster.
 *
 * Flags: --sizes 1000,5000  --in-flight 1,8  --rounds 4  --deliveries 40000 (per round)  --workers 4
 * A size one process cannot hold here (open files limit) is skipped with the reason in the notes.
 */
import { fanoutPlan, runFanout } from "../lib/fanout-run";
import { startSioBare, startSocketpot } from "../lib/fanout-systems";
import type { Scenario, ScenarioResult } from "../lib/types";

const scenario: Scenario = {
  name: "chat-fanout",
  description: "chat post -> chat -> NATS -> 1 gateway -> N sockets, against 1 bare socket.io process broadcasting to the same N",
  async run(args): Promise<ScenarioResult> {
    const plan = fanoutPlan(args, { sizes: [1000, 5000] });
    const { rows, notes } = await runFanout([() => startSocketpot(1), () => startSioBare()], plan);
    return {
      title: "Chat fan-out: full path vs bare socket.io (same run, same clients)",
      rows,
      notes: [
        "Full path: poster socket -> gateway -> NATS request -> chat (mute check, insert into PostgreSQL) -> NATS publish -> gateway -> socket.io room of the app. Bare: the same post to one socket.io process that builds the same message and emits it to the room (no persistence, no auth).",
        "Each server in its own process (the gateway, the chat service, the bare server); clients in their own processes per system; server CPU per delivery counts the gateway and the NATS server against the bare process; the chat service and its PostgreSQL backends are reported on their own.",
        `Closed loop with ${plan.inFlight.join(" and ")} message(s) in flight: a new post goes out each time one has reached every receiver; ${plan.rounds} rounds per setting, the systems' order flipping every round.`,
        "Edge limits are off on the gateway and chat flood control off, one user may have 64 posts in flight (one poster sends tens of posts a second); the checks still run.",
        "Everything (clients, servers, NATS, PostgreSQL) shares one machine on loopback.",
        ...notes,
      ],
    };
  },
};

export default scenario;
