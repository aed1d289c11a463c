/**
 * The demo info file: `npm start` writes it (the gateway serves it as `/demo.json` in
 * development), `npm run demo:traffic` reads it. Gitignored, mode 0600: it holds tokens.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DemoInfo } from "@socketpot/simulator";

/** Where `npm start` keeps the demo info for the gateway and `npm run demo:traffic` (gitignored). */
export const DEMO_FILE = path.join(fileURLToPath(new URL("../..", import.meta.url)), ".socketpot", "demo.json");

export async function writeDemoFile(file: string, info: DemoInfo): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(info, null, 2) + "\n", { mode: 0o600 });
  await rename(tmp, file);
}

export async function readDemoFile(file: string): Promise<DemoInfo | undefined> {
  try {
    const parsed = DemoInfo.safeParse(JSON.parse(await readFile(file, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

