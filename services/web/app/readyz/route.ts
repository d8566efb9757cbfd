// Readiness for the load balancer's monitors: 200 only when the api answers ready, which in turn
// means its databases answer. The api is not publicly routed, so this is how the edge sees it.
import { apiReadiness } from "../../lib/api";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const api = await apiReadiness();
  return Response.json(
    api.ok ? { status: "ready" } : { status: "unavailable", api: api.error.error },
    { status: api.ok ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
