import { connectNats, createLogger, runMain } from "@socketpot/service-kit";
import { loadGatewayConfig } from "./config";
import { createGatewayService } from "./gateway";

const log = createLogger("gateway", process.env.LOG_LEVEL);

runMain(log, async () => {
  const config = loadGatewayConfig();
  const nc = await connectNats(config.NATS_URL, "socketpot-gateway", log);
  const gateway = createGatewayService({ config, nc, log });
  await gateway.start();
  return {
    async stop() {
      await gateway.stop();
      await nc.drain();
    },
  };
});
