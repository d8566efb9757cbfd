// How long a client may hold a connection at each stage. Node's own defaults leave a request
// without a time limit once Fastify sets requestTimeout and connectionTimeout to 0 (its defaults):
// a body trickled one byte at a time kept a connection open for more than 340 s.
//
// The values are chosen against the two proxies in front of the services, so that the origin, not
// a proxy, ends a stuck request (and logs it), and so that a proxy, not the origin, ends an idle
// connection (an origin that closes one first races the proxy's next request on it):
// - Cloudflare, in front of both apps (developers.cloudflare.com/fundamentals/reference/
//   connection-limits/, "Between Cloudflare and origin server"): Proxy Write Timeout 30 s, Proxy
//   Read Timeout 120 s (524 at the limit), Proxy Idle Timeout 900 s: Cloudflare reuses an open
//   connection up to 900 s after its last request and asks origins to keep keep-alive on.
// - App Platform (docs.digitalocean.com/products/app-platform/details/limits/): requests to an
//   app, uploads included, time out after 100 s.
//
// The web's server (services/web/server/http-hooks.ts) applies the same values.
export interface HttpTimeouts {
  /** The request line and headers must arrive within this (Node's `headersTimeout`). */
  headersMs: number;
  /** The whole request, headers and body, must arrive within this (`requestTimeout`). */
  requestMs: number;
  /** A connection silent this long while a request is open is closed (`server.timeout`). */
  idleMs: number;
  /** A kept-alive connection with no request this long is closed (`keepAliveTimeout`). */
  keepAliveMs: number;
}

export const HTTP_TIMEOUTS: HttpTimeouts = {
  // A proxy forwards the headers in one write: ten seconds is generous.
  headersMs: 10_000,
  // Cloudflare stops writing a request to the origin after 30 s without progress; every body here
  // is a few KiB, so a request still arriving after that is a slow client, not a large upload.
  requestMs: 30_000,
  // App Platform has given up on the request at 100 s: nobody is waiting for it any more.
  idleMs: 100_000,
  // Longer than Cloudflare's 900 s idle timeout, so the proxy closes idle connections first.
  keepAliveMs: 905_000,
};

/**
 * The timeouts as Fastify's server options. Node checks the header and request deadlines on a
 * timer (`connectionsCheckingInterval`, 30 s by default), so a deadline is enforced up to that
 * much late: one second keeps the cut close.
 */
export function serverTimeoutOptions(timeouts: HttpTimeouts) {
  return {
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: {
      headersTimeout: timeouts.headersMs,
      connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs),
    },
  } as const;
}
