export { ApiKeys, API_KEY_PATTERN } from "./api-keys";
