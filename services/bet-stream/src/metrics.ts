/** bet-stream's Prometheus metrics, read from its stats at scrape time (the hot path pays nothing). */
import { counterFrom, gaugeFrom, type Registry } from "@socketpot/service-kit";
import type { BetStreamStats } from "./service";

export function registerBetStreamMetrics(registry: Registry, stats: () => BetStreamStats): void {
  counterFrom(registry, "socketpot_bets_in_total", "Upstream bet messages by outcome: accepted, invalid, foreign (another replica's partition)", ["outcome"], () => {
    const s = stats();
    return [
      [{ outcome: "accepted" }, s.accepted],
      [{ outcome: "invalid" }, s.invalid],
      [{ outcome: "foreign" }, s.foreign],
    ];
  });
  counterFrom(registry, "socketpot_bets_out_total", "Bets after sampling: published to clients, or dropped", ["outcome"], () => {
    const s = stats();
    return [
      [{ outcome: "published" }, s.published],
      [{ outcome: "dropped" }, s.dropped],
    ];
  });
  counterFrom(registry, "socketpot_bets_jackpots_total", "Jackpots seen (always published)", [], () => [[{}, stats().jackpots]]);
  gaugeFrom(registry, "socketpot_bets_leases_held", "Partitions whose lease this replica holds (active: past the handover pause)", ["state"], () => {
    const s = stats();
    return [
      [{ state: "held" }, s.partitions.length],
      [{ state: "active" }, s.active_partitions],
    ];
  });
  gaugeFrom(registry, "socketpot_bets_live_replicas", "bet-stream replicas this one sees alive", [], () => [[{}, stats().live_replicas]]);
  gaugeFrom(registry, "socketpot_bets_apps", "Apps with an open sampling window", [], () => [[{}, stats().apps]]);
}
