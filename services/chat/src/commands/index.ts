export * from "./duration";
export * from "./grammar";
