/**
 * Which service log lines `npm start` shows in the terminal: pino JSON lines at `minLevel`
 * or above (40, warn, by default), and every line that is not pino JSON (a stack trace, a
 * message printed before the logger existed). Every line also goes to the service's log file.
 */
export const PINO_LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

export function showInTerminal(line: string, minLevel: number): boolean {
  if (!line.startsWith("{")) return line.trim() !== "";
  const match = /"level":(\d+)/.exec(line);
  return match === null || Number(match[1]) >= minLevel;
}
