// A stand-in for the edge in front of a local server: it adds headers to every request (the
// origin lock's, as Cloudflare's request-header rule does) and passes everything else through, so
// a suite that sends no header of its own, `pnpm test:deployed`, can run against local servers.
import { type Server, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

export interface LocalEdge {
  url: string;
  close(): Promise<void>;
}

export async function startLocalEdge(
  origin: string,
  added: Record<string, string>,
): Promise<LocalEdge> {
  const target = new URL(origin);
  const server: Server = createServer((incoming, outgoing) => {
    const forwarded = request(
      {
        hostname: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        // The Host stays the visitor's, as the browser's Origin names it (Next's Server Actions
        // compare the two).
        headers: { ...incoming.headers, ...added },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on("error", () => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
