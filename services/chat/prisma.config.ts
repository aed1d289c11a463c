/**
 * Prisma CLI configuration: the JS (Wasm) schema engine with a pg driver adapter, so
 * `prisma migrate deploy` and `prisma generate` run without downloading native engines.
 */
import { defineConfig } from "prisma/config";
import { PrismaPg } from "prisma-migrate-adapter-pg";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  async adapter() {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) throw new Error("DATABASE_URL is not set");
    return new PrismaPg({ connectionString });
  },
});
