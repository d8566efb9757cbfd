// JSON lines on stdout, the same shape as the api's logs, so one log drain query covers both.
type Level = "info" | "warn" | "error";

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const line = { level, time: new Date().toISOString(), service: "web", ...fields, msg };
  const text = JSON.stringify(line, (_key, value: unknown) =>
    value instanceof Error
      ? { type: value.name, message: value.message, stack: value.stack, cause: value.cause }
      : value,
  );
  if (level === "error") console.error(text);
  else console.log(text);
}
