// The web app's only way to the api. Answers are validated like any other input: a changed api
// shows up as a clear error here, not as `undefined` deep in a component.
import { randomUUID } from "node:crypto";
import { headers } from "next/headers";
import { z } from "zod";
import { webConfig } from "./config";
import { log } from "./log";
import { ORIGIN_LOCK_HEADER } from "@platform/runtime/contract";

export const ITEM_STATUSES = ["todo", "doing", "done"] as const;

const Item = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(ITEM_STATUSES),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Item = z.infer<typeof Item>;

const ItemPage = z.object({ items: z.array(Item), nextCursor: z.string().nullable() });

const ApiError = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ApiError = z.infer<typeof ApiError>;

export type ApiResult<T> = { ok: true; value: T } | { ok: false; status: number; error: ApiError };

/** What callers see when the api cannot be reached or answers nonsense. */
function unavailable(message: string): ApiResult<never> {
  return { ok: false, status: 503, error: { error: "api_unavailable", message } };
}

async function call<T>(
  path: string,
  schema: z.ZodType<T>,
  init: { method?: string; body?: unknown } = {},
): Promise<ApiResult<T>> {
  const { API_URL, API_TIMEOUT_MS, ORIGIN_LOCK_SECRETS } = webConfig();
  // The oldest accepted secret: during a rotation, api instances still on the previous
  // deployment accept only that one, and the new ones accept it too.
  const originLock = ORIGIN_LOCK_SECRETS.at(-1);
  // The id of the request being served (server/http-hooks.ts gives every one an id), so the api's
  // log line and the web's share it; and the client's address, which the api trusts only from a
  // caller that carries the origin lock (in production, only requests through the edge get here).
  const incoming = await headers();
  const requestId = incoming.get("x-request-id") ?? randomUUID();
  const client = incoming.get("cf-connecting-ip");
  const url = new URL(path, API_URL);
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? "GET",
      headers: {
        accept: "application/json",
        "x-request-id": requestId,
        ...(client === null ? {} : { "cf-connecting-ip": client }),
        ...(originLock === undefined ? {} : { [ORIGIN_LOCK_HEADER]: originLock }),
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      cache: "no-store",
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
  } catch (error) {
    log("warn", "api unreachable", { requestId, url: url.href, err: error });
    return unavailable("The item service cannot be reached right now.");
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok) {
    const parsed = schema.safeParse(body);
    if (parsed.success) return { ok: true, value: parsed.data };
    log("error", "api answered an unexpected body", {
      requestId,
      url: url.href,
      issues: parsed.error.issues,
    });
    return unavailable("The item service answered in an unexpected way.");
  }
  const error = ApiError.safeParse(body);
  log(response.status >= 500 ? "warn" : "info", "api refused the request", {
    requestId,
    url: url.href,
    status: response.status,
  });
  return error.success
    ? { ok: false, status: response.status, error: error.data }
    : unavailable(`The item service answered ${response.status}.`);
}

const Readiness = z.object({ status: z.literal("ready") }).loose();

/** The api's readiness, which includes its databases: the web's own readiness rests on it. */
export function apiReadiness() {
  return call("/readyz", Readiness);
}

export function listItems(limit = 50) {
  return call(`/items?limit=${limit}`, ItemPage);
}

export function createItem(input: { title: string; status: Item["status"] }) {
  return call("/items", Item, { method: "POST", body: input });
}
