import { listItems } from "../lib/api";
import { ItemForm } from "./item-form";

// The list is per request: it must show what the api holds now, not what it held at build time.
export const dynamic = "force-dynamic";

const STATUS_LABELS = { todo: "To do", doing: "Doing", done: "Done" } as const;

export default async function HomePage() {
  const result = await listItems();

  return (
    <main>
      <h1>Items</h1>
      <section aria-labelledby="new-item">
        <h2 id="new-item">New item</h2>
        <ItemForm />
      </section>
      <section aria-labelledby="all-items">
        <h2 id="all-items">All items</h2>
        {!result.ok ? (
          <p role="alert" className="form-error">
            Items cannot be shown right now: {result.error.message}
          </p>
        ) : result.value.items.length === 0 ? (
          <p>No items yet. Add the first one above.</p>
        ) : (
          <ul className="items" aria-label="Items">
            {result.value.items.map((item) => (
              <li key={item.id}>
                <span className="title">{item.title}</span>
                <span className={`status status-${item.status}`}>{STATUS_LABELS[item.status]}</span>
                <time dateTime={item.createdAt}>{item.createdAt.slice(0, 10)}</time>
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
