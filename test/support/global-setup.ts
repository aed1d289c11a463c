import type { TestProject } from "vitest/node";
import { resolveInfra } from "./infra";

declare module "vitest" {
  export interface ProvidedContext {
    natsUrl: string;
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const infra = await resolveInfra();
  project.provide("natsUrl", infra.natsUrl);
  project.provide("databaseUrl", infra.databaseUrl);
  return () => infra.stop();
}
