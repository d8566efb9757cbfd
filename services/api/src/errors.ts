// Every error the api answers with has one JSON shape, so clients and log searches need one rule:
// { error: <machine code>, message: <for humans>, requestId, issues?: [{ path, message }] }.
import type { z } from "zod";

export type InputLocation = "body" | "query" | "params";

export interface Issue {
  /** Where the problem is, e.g. `body.title` or `query.limit`. */
  path: string;
  message: string;
}

export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly issues: readonly Issue[] | undefined;

  constructor(statusCode: number, code: string, message: string, issues?: readonly Issue[]) {
    super(message);
    this.name = "HttpError";
    this.statusCode = statusCode;
    this.code = code;
    this.issues = issues;
  }
}

export function issuesOf(error: z.ZodError, location: InputLocation): Issue[] {
  return error.issues.map((issue) => ({
    path: [location, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
}

/** Parses one part of a request; a mismatch becomes a 400 that names every offending field. */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  location: InputLocation,
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = issuesOf(result.error, location);
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
  throw new HttpError(400, "validation_failed", `invalid request: ${summary}`, issues);
}
