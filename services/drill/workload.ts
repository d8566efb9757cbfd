// What the drill asks of the services, and how it reads their answers:
// - the api directly: three list reads (`GET /items?limit=20`) for every write (`POST /items`);
// - the web as a browser without JavaScript uses it: the page (`GET /`, which lists the items
//   through the api) and the form posted to it (React's progressive-enhancement form, whose hidden
//   fields name the Server Action), in turns.
// Every write carries a unique title, so that the drill can later look each one up.
import type { Agent } from "node:http";
import { type HttpAnswer, type Operation, type Outcome, send, type Worker } from "./load.ts";

export const ORIGIN_LOCK_HEADER = "x-origin-lock";

/** Titles unique to one run of the drill: `drill-<run>-<n>`. */
export function titleSource(run: string): () => string {
  let next = 0;
  return () => `drill-${run}-${String((next += 1))}`;
}

function errorOutcome(answer: HttpAnswer): Outcome {
  const retryAfter = answer.headers["retry-after"];
  return {
    outcome: String(answer.status),
    ...(typeof retryAfter === "string" ? { retryAfter } : {}),
  };
}

interface Target {
  url: string;
  agent: Agent;
  headers: Record<string, string>;
}

/** `read` on most turns, and on every `every`th turn a write of a new title. */
function mix(
  every: number,
  read: Operation,
  write: (title: string) => Operation,
  nextTitle: () => string,
): Worker {
  let turn = 0;
  return () => {
    turn += 1;
    return turn % every === 0 ? write(nextTitle()) : read;
  };
}

/** Reads and writes on the api, three to one. */
export function apiWorker(api: Target, nextTitle: () => string): Worker {
  const read: Operation = {
    target: "api",
    operation: "read",
    async send() {
      const answer = await send(api.agent, `${api.url}/items?limit=20`, { headers: api.headers });
      return answer.status === 200 ? { outcome: "ok" } : errorOutcome(answer);
    },
  };
  const write = (title: string): Operation => ({
    target: "api",
    operation: "write",
    async send() {
      const answer = await send(api.agent, `${api.url}/items`, {
        method: "POST",
        headers: { ...api.headers, "content-type": "application/json" },
        body: JSON.stringify({ title, status: "todo" }),
      });
      return answer.status === 201 ? { outcome: "ok", acknowledged: title } : errorOutcome(answer);
    },
  });
  return mix(4, read, write, nextTitle);
}

/** The list read the floor server answers too (services/api/bench/floor-server.ts). */
export function readWorker(target: Target, name: string): Worker {
  const operation: Operation = {
    target: name,
    operation: "read",
    async send() {
      const answer = await send(target.agent, `${target.url}/items?limit=20`, {
        headers: target.headers,
      });
      return answer.status === 200 ? { outcome: "ok" } : errorOutcome(answer);
    },
  };
  return () => operation;
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  "&quot;": '"',
  "&#x27;": "'",
  "&lt;": "<",
  "&gt;": ">",
  "&amp;": "&",
};

/**
 * The hidden fields React renders into a form whose action is a Server Action, so that it works
 * before (or without) JavaScript: `$ACTION_REF_1`, `$ACTION_1:0` (the action's id), `$ACTION_1:1`
 * (the form's state) and `$ACTION_KEY`. Posted back with the visible fields, Next runs the action
 * and renders the page with its result.
 */
export function hiddenFields(html: string): [string, string][] {
  const fields: [string, string][] = [];
  for (const [input] of html.matchAll(/<input\b[^>]*\btype="hidden"[^>]*>/g)) {
    const name = /\bname="([^"]*)"/.exec(input)?.[1];
    if (name === undefined) continue;
    const value = /\bvalue="([^"]*)"/.exec(input)?.[1] ?? "";
    fields.push([name, value.replace(/&(?:quot|#x27|lt|gt|amp);/g, (e) => HTML_ENTITIES[e] ?? e)]);
  }
  return fields;
}

/** What the web's page says when the api could not answer (app/page.tsx, app/actions.ts). */
const LIST_UNAVAILABLE = "Items cannot be shown right now";
const NOT_SAVED = "The item could not be saved. Try again shortly.";

/**
 * The web's answer to a page load: its list, or the page telling the user the items cannot be
 * shown (`200 degraded`: the page is up, its data is not).
 */
function pageOutcome(answer: HttpAnswer): Outcome {
  if (answer.status !== 200) return errorOutcome(answer);
  if (answer.body.includes(LIST_UNAVAILABLE)) return { outcome: "200 degraded" };
  return answer.body.includes('aria-labelledby="all-items"')
    ? { outcome: "ok" }
    : { outcome: "200 unexpected page" };
}

/**
 * The web's answer to a form post: "Added “title”." (acknowledged), or the form telling the user
 * the item was not saved (`200 degraded`). The list under it may be unavailable either way.
 */
function formOutcome(answer: HttpAnswer, title: string): Outcome {
  if (answer.status !== 200) return errorOutcome(answer);
  if (answer.body.includes(`Added “${title}”.`)) return { outcome: "ok", acknowledged: title };
  if (answer.body.includes(NOT_SAVED)) return { outcome: "200 degraded" };
  return { outcome: "200 unexpected page" };
}

async function multipart(fields: readonly [string, string][]) {
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  // The platform's own encoder writes the body and its boundary.
  const encoded = new Response(form);
  return {
    body: new Uint8Array(await encoded.arrayBuffer()),
    contentType: encoded.headers.get("content-type") ?? "multipart/form-data",
  };
}

/** Page loads and form posts on the web, in turns. */
export function webWorker(web: Target, nextTitle: () => string): Worker {
  let formFields: Promise<[string, string][]> | undefined;
  const page: Operation = {
    target: "web",
    operation: "read",
    async send() {
      return pageOutcome(await send(web.agent, `${web.url}/`, { headers: web.headers }));
    },
  };
  const actionFields = async () => {
    const answer = await send(web.agent, `${web.url}/`, { headers: web.headers });
    const fields = hiddenFields(answer.body);
    if (!fields.some(([name]) => name.startsWith("$ACTION_"))) {
      throw new Error(`the web's page at ${web.url}/ has no Server Action form`);
    }
    return fields;
  };
  const write = (title: string): Operation => ({
    target: "web",
    operation: "write",
    async send() {
      // Read once; a failed read (the web restarting, say) is tried again on the next post.
      formFields ??= actionFields().catch((error: unknown) => {
        formFields = undefined;
        throw error;
      });
      const { body, contentType } = await multipart([
        ...(await formFields),
        ["title", title],
        ["status", "todo"],
      ]);
      const answer = await send(web.agent, `${web.url}/`, {
        method: "POST",
        headers: { ...web.headers, "content-type": contentType },
        body,
      });
      return formOutcome(answer, title);
    },
  });
  return mix(2, page, write, nextTitle);
}
