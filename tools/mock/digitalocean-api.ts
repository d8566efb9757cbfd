// A stand-in for the one DigitalOcean API call the program makes itself (`GET /v2/account`, to
// check the team), on 127.0.0.1, so that offline runs take the same code path as real ones.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fakeUuid } from "./provider-outputs.ts";

export interface FakeDigitalOceanApi {
  endpoint: string;
  /** The bearer tokens it was called with, in order. */
  tokens: string[];
  close(): Promise<void>;
}

/** Serves an account of team `teamName`, to any bearer token. */
export async function startFakeDigitalOceanApi(teamName: string): Promise<FakeDigitalOceanApi> {
  const tokens: string[] = [];
  const server = createServer((request, response) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    if (token === undefined) {
      response.writeHead(401, { "content-type": "application/json" });
      response.end(JSON.stringify({ id: "unauthorized", message: "Unable to authenticate you" }));
      return;
    }
    tokens.push(token);
    if (request.method !== "GET" || request.url !== "/v2/account") {
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
