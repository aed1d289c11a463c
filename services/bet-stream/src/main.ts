import { runNatsService } from "@socketpot/service-kit";
import { loadBetStreamConfig } from "./config";
import { createBetStreamService } from "./service";

runNatsService("bet-stream", () => loadBetStreamConfig(), createBetStreamService);
