export { createApiService, type ApiDeps, type ApiService } from "./service";
export { ApiEnv, loadApiConfig, type ApiConfig } from "./config";
export { ApiKeys, API_KEY_PATTERN } from "./api-keys";
export { RateLimiter } from "./rate-limit";
