import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MoneypotBet, decode } from "@socketpot/contracts";
import { isJackpot } from "@socketpot/bet-stream";
import { createTestNamespace, type TestNamespace } from "../support/nats";
import { startBetStream, type RunningBetStream } from "../support/bet-stream";
import { runCli } from "../support/cli";

let ns: TestNamespace;
let bs: RunningBetStream;

const cli = (...args: string[]) => runCli(ns.namespace, ...args);

beforeAll(async () => {
  ns = await createTestNamespace();
  bs = await startBetStream(ns.namespace);
});
afterAll(async () => {
  await bs?.stop();
  await ns?.cleanup();
});

describe("bets CLI", () => {
  it("generates valid bet traffic on each app's subject, with the asked-for jackpots", async () => {
    const seen = new Map<number, MoneypotBet[]>();
    let invalid = 0;
    ns.nc.subscribe(ns.names.upstream.betsAll, {
      callback: (_e, m) => {
        const d = decode(MoneypotBet, m.data);
        if (!d.ok || m.subject !== ns.names.upstream.bets(d.value.app_id)) invalid++;
        else seen.set(d.value.app_id, [...(seen.get(d.value.app_id) ?? []), d.value]);
      },
    });
    await ns.nc.flush();
    const out = JSON.parse(await cli("bets", "generate", "--app", "7,8", "--rate", "200", "--duration", "1", "--jackpot-every", "25"));
    expect(out.published).toBe(200);
    await ns.nc.flush();
    expect(invalid).toBe(0);
    expect(seen.get(7)).toHaveLength(100);
    expect(seen.get(8)).toHaveLength(100);
    expect(seen.get(7)!.filter((b) => isJackpot(b)).length).toBeGreaterThanOrEqual(4);
  });

  it("prints every bet-stream replica's stats", async () => {
    const lines = (await cli("bets", "stats")).split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ replica: bs.service.replicaId, partitions: expect.any(Array) });
  });

  it("refuses bad flags with usage", async () => {
    await expect(cli("bets", "generate", "--app", "x")).rejects.toMatchObject({ code: 2 });
  });
});
