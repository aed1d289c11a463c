export * from "./logger";
export * from "./config";
export * from "./nats";
export * from "./lifecycle";
export * from "./service";
export * from "./rpc";
export * from "./directory";
export * from "./preflight";
