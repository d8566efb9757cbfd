// SQL for the items resource. Reads take the read pool (the replica when there is one), writes and
// the reads that must see them take the primary.
import { JOB_KINDS } from "@platform/runtime/contract";
import type pg from "pg";
import type { Database } from "../db.ts";
import type { CreateItemInput, Item, ItemPage, ListItemsQuery, UpdateItemInput } from "./schema.ts";

export interface ItemRow {
  id: string;
  title: string;
  status: Item["status"];
  created_at: Date;
  updated_at: Date;
  word_count: number | null;
  processed_at: Date | null;
}

const COLUMNS = "id::text AS id, title, status, created_at, updated_at, word_count, processed_at";

function toItem(row: ItemRow): Item {
  return {
    id: row.id,
    title: row.title,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    wordCount: row.word_count,
    processedAt: row.processed_at,
  };
}

export interface ItemsRepository {
  list(query: ListItemsQuery): Promise<ItemPage>;
  get(id: string): Promise<Item | undefined>;
  create(input: CreateItemInput): Promise<Item>;
  update(id: string, patch: UpdateItemInput): Promise<Item | undefined>;
  remove(id: string): Promise<boolean>;
}

/** Keyset pagination on the primary key: stable under inserts, and cheap at any depth. */
export function listQuery(query: ListItemsQuery): pg.QueryConfig {
  const values: unknown[] = [];
  const where: string[] = [];
  if (query.cursor !== undefined) {
    values.push(query.cursor);
    where.push(`id < $${values.length}`);
  }
  if (query.status !== undefined) {
    values.push(query.status);
    where.push(`status = $${values.length}`);
  }
  // One row more than asked tells whether another page exists without a COUNT.
  values.push(query.limit + 1);
  const filter = where.length === 0 ? "" : `WHERE ${where.join(" AND ")} `;
  return {
    text: `SELECT ${COLUMNS} FROM items ${filter}ORDER BY id DESC LIMIT $${values.length}`,
    values,
  };
}

export function toPage(rows: readonly ItemRow[], limit: number): ItemPage {
  const items = rows.slice(0, limit).map(toItem);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? last.id : null,
  };
}

export function itemsRepository(db: Pick<Database, "read" | "write">): ItemsRepository {
  return {
    async list(query) {
      const { rows } = await db.read.query<ItemRow>(listQuery(query));
      return toPage(rows, query.limit);
    },
    async get(id) {
      const { rows } = await db.read.query<ItemRow>(`SELECT ${COLUMNS} FROM items WHERE id = $1`, [
        id,
      ]);
      return rows[0] === undefined ? undefined : toItem(rows[0]);
    },
    async create(input) {
      // The item and the job that processes it, in one statement: both exist, or neither does
      // (one statement is one transaction, also through a pool in transaction mode).
      const { rows } = await db.write.query<ItemRow>(
        `WITH item AS (
           INSERT INTO items (title, status) VALUES ($1, $2) RETURNING ${COLUMNS}
         ), job AS (
           INSERT INTO jobs (kind, payload)
           SELECT $3, jsonb_build_object('itemId', item.id) FROM item
         )
         SELECT * FROM item`,
        [input.title, input.status, JOB_KINDS.itemCreated],
      );
      const row = rows[0];
      if (row === undefined) throw new Error("INSERT ... RETURNING returned no row");
      return toItem(row);
    },
    async update(id, patch) {
      const { rows } = await db.write.query<ItemRow>(
        `UPDATE items
            SET title = COALESCE($2, title), status = COALESCE($3, status), updated_at = now()
          WHERE id = $1
      RETURNING ${COLUMNS}`,
        [id, patch.title ?? null, patch.status ?? null],
      );
      return rows[0] === undefined ? undefined : toItem(rows[0]);
    },
    async remove(id) {
      const { rowCount } = await db.write.query("DELETE FROM items WHERE id = $1", [id]);
      return rowCount === 1;
    },
  };
}
