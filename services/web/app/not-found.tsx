import Link from "next/link";

// Next's built-in 404 page is prerendered (scripts without this request's CSP nonce) and styled
// inline, so the policy would block both; this one is rendered per request and uses the
// stylesheet.
export default function NotFound() {
  return (
    <main>
      <h1>Not found</h1>
      <p>There is no page at this address.</p>
      <p>
        <Link href="/">Back to the items</Link>
      </p>
    </main>
  );
}
