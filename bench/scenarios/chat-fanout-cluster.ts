/**
 * chat-fanout-cluster: Socketpot with two gateways (and the chat service, which stores every
 * post in PostgreSQL) against what a team would otherwise deploy: socket.io 4 with
 * @socket.io/redis-adapter on two nodes. N receivers split over both nodes, the poster on
 * the first, 1 and 8 messages in flight, clients in their own processes per system,
 * interleaved rounds (lib/fanout-run.ts). `--with-bare` adds one bare socket.io process.
 *
 * Flags: --sizes 1000,5000  --in-flight 1,8  --rounds 4  --deliveries 40000 (per round)
 *        --workers 4 (client processes per system)  --with-bare
 */
import { fanoutPlan, runFanout } from "../lib/fanout-run";
import { startSioBare, startSioCluster, startSocketpot } from "../lib/fanout-systems";
import type { Scenario, ScenarioResult } from "../lib/types";

const scenario: Scenario = {
  name: "chat-fanout-cluster",
  description: "chat fan-out over 2 Socketpot gateways vs socket.io + redis-adapter on 2 nodes (same clients, interleaved rounds)",
  async run(args): Promise<ScenarioResult> {
    const plan = fanoutPlan(args, { sizes: [1000, 5000] });
    const starters = [() => startSocketpot(2), () => startSioCluster(2)];
    if (args["with-bare"] !== undefined) starters.push(() => startSioBare());
    const { rows, notes, figures } = await runFanout(starters, plan);
    const verdicts: string[] = [];
    for (const n of plan.sizes) {
      for (const k of plan.inFlight) {
        const sp = figures.find((f) => f.n === n && f.inFlight === k && f.label.startsWith("Socketpot"));
        const peer = figures.find((f) => f.n === n && f.inFlight === k && f.label.startsWith("socket.io + redis"));
        if (!sp || !peer) continue;
        const rate = sp.rate / peer.rate;
        const cpu = sp.cpuUs / peer.cpuUs;
        verdicts.push(
          `N=${n}, ${k} in flight: deliveries/s ${rate.toFixed(2)}x the peer's (target >= 1.0x: ${rate >= 1 ? "met" : "MISSED"}); server CPU per delivery ${cpu.toFixed(2)}x (target <= 1.1x: ${cpu <= 1.1 ? "met" : "MISSED"}).`,
        );
      }
    }
    return {
      title: "chat-fanout-cluster: 2 Socketpot gateways vs socket.io + redis-adapter on 2 nodes",
      rows,
      notes: [
        ...verdicts,
        "Socketpot path: poster socket -> gateway 1 -> NATS request -> chat (mute check, insert into PostgreSQL) -> NATS publish -> both gateways -> their sockets of the app room. Peer: poster socket -> node 1 -> io.to(room).emit -> its sockets and, through Redis pub/sub, node 2's; the peer stores nothing.",
        "Server CPU per delivery = CPU time of the counted server processes over the rounds / deliveries. The chat service and its PostgreSQL backends are reported on their own (the peer has no counterpart). The NATS server and Redis are shared with anything else on the machine: their CPU includes whatever else used them during the round.",
        `Closed loop: ${plan.inFlight.join(" and ")} message(s) in flight; a new post goes out each time one has reached every receiver (each client process reports over IPC when all its receivers have a message). deliveries/s = deliveries / time from the first post to the last completed message; latency = receive - send, one clock.`,
        `Clients: socket.io-client over websocket, ${plan.workers} client processes per system (their CPU is the client CPU column); the systems' rounds alternate in order (A,B then B,A), ${plan.rounds} rounds per setting; "per round" is the spread of the rounds' rates.`,
        "Everything (clients, servers, NATS, Redis, PostgreSQL) shares one machine on loopback; the socket.io peer has no auth, no persistence and no rate limits, so Socketpot runs with its edge limits and chat flood control off and 64 posts in flight allowed per user (the checks still run).",
        ...notes,
      ],
    };
  },
};

export default scenario;
