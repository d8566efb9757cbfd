// A stand-in for the DigitalOcean API calls the program makes itself, on 127.0.0.1, so that
// offline runs take the same code path as real ones: `GET /v2/account` (the team check) and, in an
// update, `GET /v2/registry/docker-credentials` (a Docker config with one login).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fakeUuid } from "./provider-outputs.ts";

export interface FakeDigitalOceanApi {
  endpoint: string;
  /** The bearer tokens it was called with, in order. */
  tokens: string[];
  close(): Promise<void>;
}

/** The token the stand-in treats as read-only: it may not issue registry credentials. */
export const READ_ONLY_TOKEN = "dop_v1_read_only";

/** Serves an account of team `teamName`, to any bearer token. */
export async function startFakeDigitalOceanApi(teamName: string): Promise<FakeDigitalOceanApi> {
  const tokens: string[] = [];
  const server = createServer((request, response) => {
    // One request per connection. Node's client keeps sockets alive and this server drops idle
    // ones after 5 s, both on timers; when the event loop stalls longer than that (the program's
    // own work, on a loaded machine), the registry login goes out on the team check's socket
    // before either timer runs, then the server's fires: "read ECONNRESET", a failed offline run.
    response.setHeader("connection", "close");
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    if (token === undefined) {
      response.writeHead(401, { "content-type": "application/json" });
      response.end(JSON.stringify({ id: "unauthorized", message: "Unable to authenticate you" }));
      return;
    }
    tokens.push(token);
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (request.method === "GET" && url.pathname === "/v2/registry/docker-credentials") {
      // A token without the registry scopes, as a read-only token is.
      if (token === READ_ONLY_TOKEN) {
        response.writeHead(403, { "content-type": "application/json" });
        response.end(JSON.stringify({ id: "Forbidden", message: "You are not authorized." }));
        return;
      }
      const login = `${fakeUuid("registry-login", token)}:${fakeUuid("registry-password", token)}`;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          auths: {
            "registry.digitalocean.com": { auth: Buffer.from(login).toString("base64") },
          },
        }),
      );
      return;
    }
    if (request.method !== "GET" || url.pathname !== "/v2/account") {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ id: "not_found", message: "The resource was not found." }));
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        account: {
          email: "platform@example.com",
          uuid: fakeUuid("account", "platform"),
          status: "active",
          team: { uuid: fakeUuid("team", teamName), name: teamName },
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    tokens,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
