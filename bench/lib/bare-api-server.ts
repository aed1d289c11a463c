/**
 * The server API benchmark's baseline: a bare fastify server with the API's two busiest
 * routes, each doing one NATS request and nothing else (no key, no validation, no
 * rate limit): `POST .../chat/messages` asks chat's app-post RPC, `POST .../events` reads the
 * app's directory record (a KV get) and publishes the fan-out message. Prints
 * `listening <port>` when ready. Env: NATS_URL, SOCKETPOT_NAMESPACE.
 */
import Fastify from "fastify";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { createNames, directoryKeys, encode } from "@socketpot/contracts";

const names = createNames(process.env.SOCKETPOT_NAMESPACE);
const nc = await connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222", noAsyncTraces: true });
const kv = await new Kvm(nc).open(names.directoryBucket);
const app = Fastify({ logger: false });

app.post<{ Params: { app_id: string }; Body: { text: string; channel?: string } }>("/v1/apps/:app_id/chat/messages", async (req, reply) => {
  const request = { app_id: Number(req.params.app_id), channel: req.body.channel ?? "lobby", text: req.body.text };
  const msg = await nc.request(names.rpc.chatAppPost, encode(request), { timeout: 5_000 });
  return reply.code(201).send(msg.json<{ result: unknown }>().result);
});

app.post<{ Params: { app_id: string }; Body: { name: string; data: unknown } }>("/v1/apps/:app_id/events", async (req, reply) => {
  const appId = Number(req.params.app_id);
  await kv.get(directoryKeys.app(appId));
  nc.publish(names.fanout.app(appId), encode({ type: "app_event", event: { name: req.body.name, data: req.body.data } }));
  return reply.code(202).send({ sent: true });
});

await app.listen({ port: 0, host: "127.0.0.1" });
const address = app.server.address();
console.log(`listening ${typeof address === "object" && address ? address.port : 0}`);
process.on("SIGTERM", () => void app.close().then(() => nc.drain()).then(() => process.exit(0)));
