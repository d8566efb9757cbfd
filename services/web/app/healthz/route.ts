// Liveness for the load balancer: answers while the server can serve pages. It does not call the
// api, so an api or database outage shows on the api's /readyz instead of taking the web app out.
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
