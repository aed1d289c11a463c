import { runNatsService } from "@socketpot/service-kit";
import { loadGatewayConfig } from "./config";
import { createGatewayService } from "./gateway";

runNatsService("gateway", () => loadGatewayConfig(), createGatewayService);
