// The one way the preflight talks to a provider's REST API: JSON in, JSON out, a time limit, and
// errors that name the host but never a header (tokens travel in headers only).

export interface ApiAnswer {
  status: number;
  /** The body as JSON, or undefined when it is empty or not JSON. */
  body: unknown;
}

/** The API could not be reached at all: no answer, or none within the time limit. */
export class Unreachable extends Error {
  constructor(url: URL, cause: unknown) {
    const reason =
      cause instanceof Error ? (cause.cause instanceof Error ? cause.cause : cause).message : "";
    super(`no answer from ${url.origin} (${reason || String(cause)})`);
    this.name = "Unreachable";
  }
}

export interface ApiRequest {
  method?: "GET" | "POST";
  headers: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
}

const TIME_LIMIT_MS = 15_000;

/** `path` is relative to `base`, so that a base with a path prefix keeps it. */
export function apiUrl(base: string, path: string): URL {
  return new URL(path.replace(/^\//, ""), base.endsWith("/") ? base : `${base}/`);
}

export async function callApi(url: URL, request: ApiRequest): Promise<ApiAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method ?? "GET",
      headers: {
        accept: "application/json",
        ...(request.body === undefined ? {} : { "content-type": "application/json" }),
        ...request.headers,
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(TIME_LIMIT_MS),
    });
  } catch (error) {
    throw new Unreachable(url, error);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

/** A client bound to one API's base URL and credentials. */
export function apiClient(base: string, headers: Record<string, string>) {
  return {
    get: (path: string) => callApi(apiUrl(base, path), { headers }),
    post: (path: string, body: unknown) =>
      callApi(apiUrl(base, path), { method: "POST", headers, body }),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** A short description of an error answer: its status, and the API's message when it has one. */
export function describeAnswer(answer: ApiAnswer, message?: string): string {
  return message === undefined || message === ""
    ? `HTTP ${String(answer.status)}`
    : `HTTP ${String(answer.status)}: ${message}`;
}
