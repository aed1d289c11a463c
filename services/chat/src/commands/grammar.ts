/**
 * Chat commands. A message whose text starts with `/` is a command, never chat text:
 *
 *   /mute <uname> [<duration>]     e.g. `/mute Kate`, `/mute kate 10 mins`, `/mute kate 2h`
 *   /unmute <uname>
 *
 * Command names are case-insensitive. Anything else starting with `/` is an unknown command.
 * Parsing is pure; authorisation and uname resolution happen in the service.
 */
import { durationFromSeconds, parseDuration, type Duration, type DurationLimits } from "./duration";

export const COMMAND_NAMES = ["mute", "unmute"] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export type Command =
  | { kind: "mute"; uname: string; duration: Duration }
  | { kind: "unmute"; uname: string };

export type CommandParse =
  /** Plain chat text. */
  | { kind: "text" }
  /** Starts with `/` but names no known command. */
  | { kind: "unknown"; name: string }
  /** A known command with malformed arguments. */
  | { kind: "invalid"; name: CommandName; reason: string }
  | { kind: "command"; command: Command };

export interface CommandOptions extends DurationLimits {
  /** Used by `/mute <uname>` without a duration. */
  defaultMuteSeconds: number;
}

/** Same alphabet as the directory's unames. */
const UNAME_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;

export function isCommandText(text: string): boolean {
  return text.trimStart().startsWith("/");
}

/** The command name of a command text (lowercase), or `undefined` for plain text. */
export function commandName(text: string): string | undefined {
  if (!isCommandText(text)) return undefined;
  const head = text.trim().slice(1).split(/\s+/, 1)[0] ?? "";
  return head.toLowerCase();
}

export function isKnownCommand(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

export function parseCommand(text: string, options: CommandOptions): CommandParse {
  const name = commandName(text);
  if (name === undefined) return { kind: "text" };
  if (!isKnownCommand(name)) return { kind: "unknown", name };

  const args = text.trim().slice(1).split(/\s+/).slice(1);
  const uname = args[0];
  if (uname === undefined) return { kind: "invalid", name, reason: `usage: ${usage(name)}` };
  if (!UNAME_PATTERN.test(uname)) {
    return { kind: "invalid", name, reason: `"${uname.slice(0, 40)}" is not a valid uname` };
  }

  switch (name) {
    case "unmute":
      if (args.length > 1) return { kind: "invalid", name, reason: `usage: ${usage(name)}` };
      return { kind: "command", command: { kind: "unmute", uname } };
    case "mute": {
      const rest = args.slice(1).join(" ");
      if (rest === "") {
        const duration = durationFromSeconds(options.defaultMuteSeconds);
        return { kind: "command", command: { kind: "mute", uname, duration } };
      }
      const parsed = parseDuration(rest, options);
      if (!parsed.ok) return { kind: "invalid", name, reason: parsed.reason };
      return { kind: "command", command: { kind: "mute", uname, duration: parsed.duration } };
    }
  }
}

export function usage(name: CommandName): string {
  switch (name) {
    case "mute":
      return "/mute <uname> [duration, e.g. 10m, 10 mins, 2h, 1d]";
    case "unmute":
      return "/unmute <uname>";
  }
}
