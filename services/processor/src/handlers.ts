// What the processor does with each kind of job. A handler runs inside the transaction that
// completes its job, so its writes and the job's completion commit together, or neither does.
import { JOB_KINDS } from "@platform/runtime/contract";
import { z } from "zod";
import type { JobHandler } from "./worker.ts";

const ItemCreated = z.object({ itemId: z.string().regex(/^[1-9][0-9]{0,18}$/) });

/**
 * A new item: counts the words of its title and stamps it processed. An item deleted before its
 * job ran is no failure: there is nothing left to process.
 */
export const processItem: JobHandler = async (client, job) => {
  const { itemId } = ItemCreated.parse(job.payload);
  await client.query(
    `UPDATE items
        SET word_count = coalesce(array_length(regexp_split_to_array(btrim(title), '\\s+'), 1), 0),
            processed_at = now()
      WHERE id = $1`,
    [itemId],
  );
};

export const HANDLERS: Readonly<Record<string, JobHandler>> = {
  [JOB_KINDS.itemCreated]: processItem,
};
