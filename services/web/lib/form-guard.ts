// What proxy.ts checks on a form post before the form's action runs. The form is a public,
// unauthenticated write: the edge rate-limits it per client address across the app, and each
// instance does again here, so a client the edge lets through (a Free zone counts page loads and
// posts together) still cannot flood the api through one instance. And its body must be UTF-8
// text: Next decodes form fields leniently, so invalid bytes would reach the action, and the
// database, as U+FFFD, with no way left to tell.
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

/** Per-client counters, one window of a minute each, forgotten when it ends. */
export function formPostLimiter(postsPerMinute: number) {
  const limiter = new RateLimiterMemory({ points: postsPerMinute, duration: 60 });
  /** Counts a post; returns the seconds to wait when the client is over its limit. */
  return async (client: string): Promise<number | undefined> => {
    try {
      await limiter.consume(client);
      return undefined;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return Math.ceil(rejection.msBeforeNext / 1_000);
      throw rejection;
    }
  };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function isText(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The form's fields; anything else is reported as the body, never by a name the client chose. */
const FIELDS = new Set(["title", "status"]);

/** React names a server action's form fields `<reference>_<name>`, e.g. `1_title`. */
function fieldOf(name: string): string {
  const bare = name.replace(/^\d+_/, "");
  return FIELDS.has(bare) ? bare : "body";
}

/** The multipart parts of `body` (RFC 7578), each with its field name and content bytes. */
function multipartParts(body: Buffer, boundary: string): { name: string; content: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { name: string; content: Buffer }[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString("latin1");
      const name = /\bname="([^"]*)"/i.exec(headers)?.[1] ?? "";
      parts.push({ name, content: part.subarray(headerEnd + 4) });
    }
    start = next;
  }
  return parts;
}

function urlencodedFields(body: Buffer): { name: string; valid: boolean }[] {
  return body
    .toString("latin1")
    .split("&")
    .map((pair) => {
      const [name = "", value = ""] = pair.split("=", 2);
      try {
        // Throws URIError on a %-sequence that is not UTF-8; raw bytes fail the decode above it.
        decodeURIComponent(value.replace(/\+/g, " "));
        return { name, valid: isText(Buffer.from(pair, "latin1")) };
      } catch {
        return { name, valid: false };
      }
    });
}

/**
 * Where a form body stops being UTF-8 text: the field (`title`, `status`), or `body` when the
 * bytes are elsewhere or the body is not a form. Undefined when it is all text.
 */
export function invalidTextIn(body: Buffer, contentType: string): string | undefined {
  const multipart = /^multipart\/form-data;.*\bboundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const urlencoded = /^application\/x-www-form-urlencoded\b/i.test(contentType);
  if (isText(body) && !urlencoded) return undefined;
  if (multipart !== null) {
    const boundary = multipart[1] ?? multipart[2] ?? "";
    const broken = multipartParts(body, boundary).find((part) => !isText(part.content));
    return broken === undefined ? "body" : fieldOf(broken.name);
  }
  if (urlencoded) {
    const broken = urlencodedFields(body).find((field) => !field.valid);
    return broken === undefined ? undefined : fieldOf(broken.name);
  }
  return "body";
}
