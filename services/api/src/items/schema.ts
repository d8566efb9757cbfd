// The items resource as clients see it, and the zod schemas that guard every way in.
import { z } from "zod";

export const ITEM_STATUSES = ["todo", "doing", "done"] as const;
export const ItemStatus = z.enum(ITEM_STATUSES);
export type ItemStatus = z.infer<typeof ItemStatus>;

const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** Ids are PostgreSQL bigints, carried as decimal strings because JSON numbers lose precision. */
export const ItemId = z
  .string()
  .regex(/^[1-9][0-9]{0,18}$/, { error: "must be a positive integer id", abort: true })
  .refine((id) => BigInt(id) <= MAX_BIGINT, { error: "is too large for an id" });

const Title = z
  .string({ error: "must be a string" })
  .trim()
  .min(1, { error: "must not be empty" })
  .max(200, { error: "must be at most 200 characters" })
  // PostgreSQL text cannot hold U+0000 (it answers 22021); JSON can.
  .refine((title) => !title.includes("\u0000"), {
    error: "must not contain NUL characters (\\u0000)",
  })
  // JSON's \ud800 escapes can spell half a character; stored, it would turn into U+FFFD.
  .refine((title) => title.isWellFormed(), {
    error: "must be valid Unicode text: a lone surrogate (\\ud800-\\udfff) is not a character",
  });

/**
 * Messages for a body or query that is not the expected object. An unknown key is not named: an
 * error body never repeats what the client sent.
 */
const OBJECT_ERRORS: Readonly<Record<string, string>> = {
  invalid_type: "must be a JSON object",
  unrecognized_keys: "has a key the api does not know",
};
const objectError = { error: (issue: { code: string }) => OBJECT_ERRORS[issue.code] };

export const CreateItemBody = z.strictObject(
  { title: Title, status: ItemStatus.default("todo") },
  objectError,
);
export type CreateItemInput = z.infer<typeof CreateItemBody>;

export const UpdateItemBody = z
  .strictObject({ title: Title.optional(), status: ItemStatus.optional() }, objectError)
  .refine((patch) => patch.title !== undefined || patch.status !== undefined, {
    error: "must set at least one of title, status",
  });
export type UpdateItemInput = z.infer<typeof UpdateItemBody>;

export const ItemParams = z.strictObject({ id: ItemId }, objectError);

export const ListItemsQuery = z.strictObject(
  {
    limit: z.coerce.number().int().min(1).max(100).default(20),
    /** The `nextCursor` of the previous page: the id to continue below. */
    cursor: ItemId.optional(),
    status: ItemStatus.optional(),
  },
  objectError,
);
export type ListItemsQuery = z.infer<typeof ListItemsQuery>;

export interface Item {
  id: string;
  title: string;
  status: ItemStatus;
  createdAt: Date;
  updatedAt: Date;
  /** Filled in by the processor, shortly after the item is created; null until then. */
  wordCount: number | null;
  processedAt: Date | null;
}

export interface ItemPage {
  items: Item[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}
