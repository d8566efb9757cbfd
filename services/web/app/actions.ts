"use server";
// The form's server action: validates the submission, creates the item through the api, and
// re-renders the list. Errors come back as state for the form to show beside the right field.
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { ITEM_STATUSES, createItem } from "../lib/api";

export interface CreateItemState {
  status: "idle" | "created" | "invalid" | "failed";
  message?: string;
  fieldErrors?: Partial<Record<"title" | "status", string>>;
  /** What was submitted, so a rejected form keeps the user's input. */
  values?: { title: string; status: string };
}

const Submission = z.object({
  title: z
    .string({ error: "Title is required." })
    .trim()
    .min(1, { error: "Title must not be empty." })
    .max(200, { error: "Title must be at most 200 characters." }),
  status: z.enum(ITEM_STATUSES, { error: "Choose a status." }),
});

function field(path: PropertyKey[] | string): "title" | "status" | undefined {
  const name = typeof path === "string" ? path.replace(/^body\./, "") : path[0];
  return name === "title" || name === "status" ? name : undefined;
}

export async function createItemAction(
  _previous: CreateItemState,
  form: FormData,
): Promise<CreateItemState> {
  const raw = { title: form.get("title"), status: form.get("status") };
  const values = {
    title: typeof raw.title === "string" ? raw.title : "",
    status: typeof raw.status === "string" ? raw.status : "",
  };
  const parsed = Submission.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: CreateItemState["fieldErrors"] = {};
    for (const issue of parsed.error.issues) {
      const name = field(issue.path);
      if (name !== undefined) fieldErrors[name] ??= issue.message;
    }
    return { status: "invalid", fieldErrors, values };
  }

  const result = await createItem(parsed.data);
  if (!result.ok) {
    // The api validates too (it is the edge for every other client): show its field errors.
    const fieldErrors: CreateItemState["fieldErrors"] = {};
    for (const issue of result.error.issues ?? []) {
      const name = field(issue.path);
      if (name !== undefined) fieldErrors[name] ??= issue.message;
    }
    return result.status < 500 && Object.keys(fieldErrors).length > 0
      ? { status: "invalid", fieldErrors, values }
      : { status: "failed", message: "The item could not be saved. Try again shortly.", values };
  }

  revalidatePath("/");
  return { status: "created", message: `Added “${result.value.title}”.` };
}
