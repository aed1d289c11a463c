import { runNatsService } from "@socketpot/service-kit";
import { loadApiConfig } from "./config";
import { createApiService } from "./service";

runNatsService("api", () => loadApiConfig(), createApiService);
