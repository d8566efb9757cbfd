// Next.js calls register() once at start-up and onRequestError() for every error in rendering,
// route handlers and server actions. The work lives in a Node-only module: Next also compiles this
// file for the Edge runtime, and there the NEXT_RUNTIME checks drop the import altogether.
import type { Instrumentation } from "next";

export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { registerNode } = await import("./lib/instrumentation-node");
    await registerNode();
  }
}

export const onRequestError: Instrumentation.onRequestError = async (error, request, context) => {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { reportRequestError } = await import("./lib/instrumentation-node");
    await reportRequestError(error, request, context);
  }
};
