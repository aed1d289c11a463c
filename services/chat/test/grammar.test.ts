import { describe, expect, it } from "vitest";
import { commandName, isCommandText, parseCommand } from "../src/commands/grammar";

const options = { maxSeconds: 30 * 86_400, defaultMuteSeconds: 600 };

describe("parseCommand", () => {
  it("treats text without a leading slash as chat text", () => {
    expect(parseCommand("hello /mute kate", options)).toEqual({ kind: "text" });
    expect(isCommandText("hello")).toBe(false);
    expect(commandName("hello")).toBeUndefined();
  });

  it("parses /mute with a spaced duration", () => {
    expect(parseCommand("/mute Kate 10 mins", options)).toEqual({
      kind: "command",
      command: { kind: "mute", uname: "Kate", duration: { amount: 10, unit: "minute", seconds: 600 } },
    });
  });

  it.each([
    ["/mute kate 30m", 1800],
    ["/mute kate 8 minutes", 480],
    ["/mute kate 2 hours", 7200],
    ["/mute kate 2d", 172_800],
    ["/mute kate 45s", 45],
    ["/MUTE   kate   1h  ", 3600],
  ])("%s mutes for %d seconds", (text, seconds) => {
    const parsed = parseCommand(text, options);
    expect(parsed.kind).toBe("command");
    if (parsed.kind === "command" && parsed.command.kind === "mute") {
      expect(parsed.command.duration.seconds).toBe(seconds);
      expect(parsed.command.uname).toBe("kate");
    }
  });

  it("uses the default duration when none is given", () => {
    expect(parseCommand("/mute kate", options)).toEqual({
      kind: "command",
      command: { kind: "mute", uname: "kate", duration: { amount: 10, unit: "minute", seconds: 600 } },
    });
  });

  it("parses /unmute", () => {
    expect(parseCommand("/unmute Kate", options)).toEqual({ kind: "command", command: { kind: "unmute", uname: "Kate" } });
    expect(parseCommand("/Unmute kate", options).kind).toBe("command");
  });

  it.each([
    ["/mute", "mute"],
    ["/mute kate ten minutes", "mute"],
    ["/mute kate 10 parsecs", "mute"],
    ["/mute kate 999d", "mute"],
    ["/mute kate 0m", "mute"],
    ["/mute ka*te 10m", "mute"],
    ["/unmute", "unmute"],
    ["/unmute kate now", "unmute"],
  ])("rejects malformed %j", (text, name) => {
    const parsed = parseCommand(text, options);
    expect(parsed.kind).toBe("invalid");
    if (parsed.kind === "invalid") {
      expect(parsed.name).toBe(name);
      expect(parsed.reason.length).toBeGreaterThan(0);
    }
  });

  it.each(["/ban kate", "/", "/ hello", "/me waves", "/mutee kate"])("reports %j as unknown", (text) => {
    expect(parseCommand(text, options).kind).toBe("unknown");
  });
});
