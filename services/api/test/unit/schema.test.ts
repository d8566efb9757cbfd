import { describe, expect, it } from "vitest";
import { HttpError, parseInput } from "../../src/errors.ts";
import { listQuery, toPage } from "../../src/items/repository.ts";
import {
  CreateItemBody,
  ItemParams,
  ListItemsQuery,
  UpdateItemBody,
} from "../../src/items/schema.ts";

function issuesOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError && error.issues !== undefined) return [...error.issues];
    throw error;
  }
  throw new Error("expected a validation error");
}

describe("parseInput", () => {
  it("returns parsed, defaulted data", () => {
    expect(parseInput(CreateItemBody, { title: "  Buy milk " }, "body")).toEqual({
      title: "Buy milk",
      status: "todo",
    });
  });

  it("rejects with a 400 whose issues name each field and where it was", () => {
    let caught: unknown;
    try {
      parseInput(CreateItemBody, { title: "", status: "later", extra: 1 }, "body");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HttpError);
    expect(caught).toMatchObject({ statusCode: 400, code: "validation_failed" });
    expect(
      issuesOf(() => parseInput(CreateItemBody, { title: "", status: "later", extra: 1 }, "body")),
    ).toEqual([
      { path: "body.title", message: "must not be empty" },
      { path: "body.status", message: 'Invalid option: expected one of "todo"|"doing"|"done"' },
      { path: "body", message: "has a key the api does not know" },
    ]);
  });

  it("names the body itself when it is not an object", () => {
    expect(issuesOf(() => parseInput(CreateItemBody, undefined, "body"))).toEqual([
      { path: "body", message: "must be a JSON object" },
    ]);
  });
});

describe("item schemas", () => {
  it("bounds titles to 200 characters after trimming", () => {
    expect(
      parseInput(CreateItemBody, { title: `${"x".repeat(200)}  ` }, "body").title,
    ).toHaveLength(200);
    expect(issuesOf(() => parseInput(CreateItemBody, { title: "x".repeat(201) }, "body"))).toEqual([
      { path: "body.title", message: "must be at most 200 characters" },
    ]);
  });

  it("requires an update to change something", () => {
    expect(issuesOf(() => parseInput(UpdateItemBody, {}, "body"))).toEqual([
      { path: "body", message: "must set at least one of title, status" },
    ]);
    expect(parseInput(UpdateItemBody, { status: "done" }, "body")).toEqual({ status: "done" });
  });

  it.each(["0", "-1", "abc", "1.5", "01", "9223372036854775808", "99999999999999999999"])(
    "rejects the id %s",
    (id) => {
      expect(issuesOf(() => parseInput(ItemParams, { id }, "params"))[0]?.path).toBe("params.id");
    },
  );

  it("accepts ids up to the bigint maximum", () => {
    expect(parseInput(ItemParams, { id: "9223372036854775807" }, "params")).toEqual({
      id: "9223372036854775807",
    });
  });

  it("coerces and bounds the list query", () => {
    expect(parseInput(ListItemsQuery, {}, "query")).toEqual({ limit: 20 });
    expect(
      parseInput(ListItemsQuery, { limit: "5", cursor: "42", status: "done" }, "query"),
    ).toEqual({
      limit: 5,
      cursor: "42",
      status: "done",
    });
    expect(
      issuesOf(() => parseInput(ListItemsQuery, { limit: "500", sort: "asc" }, "query")),
    ).toEqual([
      { path: "query.limit", message: "Too big: expected number to be <=100" },
      { path: "query", message: "has a key the api does not know" },
    ]);
  });
});

describe("listing", () => {
  it("asks for one row more than the page to detect a next page", () => {
    expect(listQuery({ limit: 10 })).toEqual({
      text: "SELECT id::text AS id, title, status, created_at, updated_at, word_count, processed_at FROM items ORDER BY id DESC LIMIT $1",
      values: [11],
    });
  });

  it("continues below the cursor and filters by status with parameters, never interpolation", () => {
    expect(listQuery({ limit: 2, cursor: "40", status: "done" })).toMatchObject({
      text: expect.stringContaining(
        "WHERE id < $1 AND status = $2 ORDER BY id DESC LIMIT $3",
      ) as unknown,
      values: ["40", "done", 3],
    });
  });

  const row = (id: string) => ({
    id,
    title: `item ${id}`,
    status: "todo" as const,
    created_at: new Date(0),
    updated_at: new Date(0),
    word_count: null,
    processed_at: null,
  });

  it("sets the cursor to the last id shown when more rows exist", () => {
    const page = toPage([row("9"), row("8"), row("7")], 2);
    expect(page.items.map((item) => item.id)).toEqual(["9", "8"]);
    expect(page.nextCursor).toBe("8");
  });

  it("has no cursor on the last page", () => {
    expect(toPage([row("2"), row("1")], 2).nextCursor).toBeNull();
    expect(toPage([], 2)).toEqual({ items: [], nextCursor: null });
  });
});
