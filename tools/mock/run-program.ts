// Runs the real Pulumi program under the SDK's mock runtime and records what it declares: every
// resource (type, name, parent, inputs with secrets unwrapped, which inputs were secret, and the
// options that matter here), every provider function it calls, and its stack outputs.
import * as pulumi from "@pulumi/pulumi";
import type { RegisterResourceRequest } from "@pulumi/pulumi/proto/resource_pb.js";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks.js";
import {
  digest,
  fakeUuid,
  invokeResult,
  providerState,
  simulatedValues,
  type FakeWorld,
} from "./provider-outputs.ts";
import { maskPaths, revealSecrets, secretLeafPaths, unwrapSecrets } from "./secrets.ts";
import { isRecord } from "../../policy/values.ts";

export interface RecordedResource {
  urn: string;
  /** The id the mock provider gave it. */
  id: string;
  type: string;
  name: string;
  /** URN of the parent; the stack's own resources have none. */
  parent: string | undefined;
  /**
   * The explicit provider it is registered with, as the engine names it (`<provider urn>::<id>`),
   * inherited from a parent included; undefined for the default provider.
   */
  provider: string | undefined;
  custom: boolean;
  /** Inputs as the provider receives them, with secret envelopes removed. */
  inputs: Record<string, unknown>;
  /** The same inputs with every secret leaf shown as `[secret]`, and nothing else hidden. */
  redactedInputs: Record<string, unknown>;
  /** Dotted paths (`spec.services[0].envs[1].value`) of the inputs' secret leaves. */
  secretInputs: string[];
  protect: boolean;
  retainOnDelete: boolean;
  dependsOn: string[];
  additionalSecretOutputs: string[];
  /** Property paths whose changes the engine is told to ignore. */
  ignoreChanges: string[];
  /** The `replacementTrigger` option's value, secrets unwrapped; undefined when not set. */
  replacementTrigger: unknown;
}

export interface RecordedCall {
  token: string;
  inputs: Record<string, unknown>;
  /** The explicit provider it is called through (`<provider urn>::<id>`); undefined for the default. */
  provider: string | undefined;
}

/** A stack output, resolved; secret leaves are kept apart so no caller prints them by accident. */
export type OutputValue =
  | { kind: "secret" }
  | { kind: "value"; value: unknown }
  | { kind: "object"; entries: Record<string, OutputValue> }
  | { kind: "list"; items: OutputValue[] };

export interface ProgramRun {
  resources: RecordedResource[];
  calls: RecordedCall[];
  /** What the mock made up (ids, hosts, digests, ranges): a real deployment decides these. */
  simulated: string[];
  outputs: Record<string, OutputValue>;
  /** Errors the program raised: its import failing, or rejections while it ran. */
  errors: unknown[];
}

export interface RunOptions {
  project: string;
  stack: string;
  /** Runs the program and returns what it exports, e.g. `() => import(entry)`. */
  program: () => Promise<unknown>;
  /** `<namespace>:<key>` → Pulumi's string form of the value. */
  config: Record<string, string>;
  secretKeys: string[];
  /** Preview mode: provider outputs the mocks leave out stay unknown. */
  dryRun?: boolean;
  /**
   * What this stack's last deployment exported, served to a StackReference of the stack itself.
   * @default {} (a stack that was never deployed)
   */
  lastOutputs?: Record<string, unknown>;
  /**
   * The AWS account STS GetCallerIdentity answers with, as real credentials would.
   * @default the first `allowedAccountIds` of the provider it is called through, else 123456789012
   */
  callerAccountId?: string;
  /** What the fake cloud holds beyond the program's inputs (which image build, say). */
  world?: FakeWorld;
}

function urnOf(stack: string, project: string, parent: string, type: string, name: string): string {
  const parentType = parent === "" ? undefined : parent.split("::")[2]?.split("$").pop();
  const qualified = parentType === undefined ? type : `${parentType}$${type}`;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

const STACK_REFERENCE = "pulumi:pulumi:StackReference";

const text = (value: unknown): string => (typeof value === "string" ? value : "");

/** A stable id per resource: an empty one would leave every output of the resource unknown. */
function resourceId(type: string, name: string, importId: string | undefined): string {
  if (importId !== undefined && importId !== "") return importId;
  return type.startsWith("digitalocean:")
    ? fakeUuid(type, name)
    : `${name}-${digest(type, name).slice(0, 8)}`;
}

async function resolveOutput(value: unknown): Promise<OutputValue> {
  if (pulumi.Output.isInstance(value)) {
    if (await pulumi.isSecret(value)) return { kind: "secret" };
    const inner = await new Promise<unknown>((resolve) => value.apply(resolve));
    return resolveOutput(inner);
  }
  if (Array.isArray(value))
    return { kind: "list", items: await Promise.all(value.map(resolveOutput)) };
  if (isRecord(value) && !pulumi.Resource.isInstance(value)) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([key, item]) => [key, await resolveOutput(item)] as const),
    );
    return { kind: "object", entries: Object.fromEntries(entries) };
  }
  return { kind: "value", value };
}

function replacementTriggerOf(request: RegisterResourceRequest): unknown {
  const raw = request.getReplacementTrigger()?.toJavaScript();
  return raw === undefined ? undefined : revealSecrets(raw);
}

/**
 * Runs the program once. Pulumi keeps its runtime state per process, so a process runs one
 * program: vitest's forked workers give each test file its own.
 */
export async function runProgram(options: RunOptions): Promise<ProgramRun> {
  const resources: RecordedResource[] = [];
  const calls: RecordedCall[] = [];
  const simulated: string[] = [];
  const errors: unknown[] = [];
  const onRejection = (reason: unknown) => errors.push(reason);
  process.on("unhandledRejection", onRejection);

  // What only the monitor's request tells (parent, options), waiting for the mock to add the
  // inputs, which the monitor deserializes once: first in, first out per type and name.
  type RequestFacts = Omit<RecordedResource, "inputs" | "redactedInputs">;
  const pending = new Map<string, RequestFacts[]>();
  const keyOf = (type: string, name: string) => `${type}\u0000${name}`;
  // Explicit providers by reference (`<urn>::<id>`), so that mocks can read their settings.
  const providers = new Map<string, Record<string, unknown>>();

  const mocks: pulumi.runtime.Mocks = {
    newResource({ type, name, inputs, id: importId, provider }) {
      if (type === STACK_REFERENCE) {
        const self = `${pulumi.getOrganization()}/${options.project}/${options.stack}`;
        const referenced = text((inputs as Record<string, unknown>).name);
        const outputs = referenced === self ? (options.lastOutputs ?? {}) : {};
        return { id: referenced, state: { name: referenced, outputs, secretOutputNames: [] } };
      }
      const id = resourceId(type, name, importId);
      const value = unwrapSecrets(inputs);
      const facts = pending.get(keyOf(type, name))?.shift();
      if (facts !== undefined) {
        resources.push({
          ...facts,
          inputs: value,
          redactedInputs: maskPaths(value, facts.secretInputs) as Record<string, unknown>,
        });
      }
      if (type.startsWith("pulumi:providers:")) {
        providers.set(`${urnOf(options.stack, options.project, "", type, name)}::${id}`, value);
      }
      const providerInputs = provider === undefined ? {} : (providers.get(provider) ?? {});
      const state = providerState(type, name, value, id, providerInputs, options.world);
      if (importId === undefined || importId === "") simulated.push(id);
      simulated.push(...simulatedValues(type, value, state));
      return { id, state };
    },
    call({ token, inputs, provider }) {
      const plain = unwrapSecrets(inputs);
      calls.push({ token, inputs: plain, provider: provider === "" ? undefined : provider });
      const providerInputs = provider === undefined ? {} : (providers.get(provider) ?? {});
      const result = invokeResult(token, plain, {
        provider: providerInputs,
        ...(options.callerAccountId === undefined
          ? {}
          : { callerAccountId: options.callerAccountId }),
      });
      simulated.push(...simulatedValues(token, plain, result));
      return result;
    },
  };
  // `organization` is what self-managed backends call every stack's organization.
  await pulumi.runtime.setMocks(
    mocks,
    options.project,
    options.stack,
    options.dryRun ?? false,
    "organization",
  );
  pulumi.runtime.setAllConfig(options.config, options.secretKeys);

  const monitor: unknown = pulumi.runtime.getMonitor();
  if (!(monitor instanceof MockMonitor)) {
    throw new Error("the Pulumi mock monitor is not installed");
  }
  const register = monitor.registerResource.bind(monitor);
  const factsOf = (request: RegisterResourceRequest): RequestFacts => ({
    id: resourceId(request.getType(), request.getName(), request.getImportid()),
    urn: urnOf(
      options.stack,
      options.project,
      request.getParent(),
      request.getType(),
      request.getName(),
    ),
    type: request.getType(),
    name: request.getName(),
    parent: request.getParent() === "" ? undefined : request.getParent(),
    provider: request.getProvider() === "" ? undefined : request.getProvider(),
    custom: request.getCustom(),
    protect: request.getProtect() ?? false,
    retainOnDelete: request.getRetainondelete() ?? false,
    dependsOn: request.getDependenciesList(),
    additionalSecretOutputs: request.getAdditionalsecretoutputsList(),
    ignoreChanges: request.getIgnorechangesList(),
    secretInputs: secretLeafPaths(request.getObject()?.toJavaScript() ?? {}),
    replacementTrigger: replacementTriggerOf(request),
  });
  monitor.registerResource = async (
    request: RegisterResourceRequest,
    callback: (error: unknown, response: unknown) => void,
  ) => {
    const facts = factsOf(request);
    const queue = pending.get(keyOf(facts.type, facts.name)) ?? [];
    queue.push(facts);
    pending.set(keyOf(facts.type, facts.name), queue);
    await register(request, callback);
  };

  const outputs: Record<string, OutputValue> = {};
  // The SDK records a stack trace on every RPC promise (runtime/debuggable.js, `new Error().stack`
  // in debuggablePromise) for a leak report shown only under PULUMI_DEBUG_PROMISE_LEAKS; formatting
  // them was a third of the offline plan's own time. Resource source positions are unaffected:
  // Resource.callsites lifts the limit itself. Errors the program raises are reported by message.
  const stackTraceLimit = Error.stackTraceLimit;
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS === undefined) Error.stackTraceLimit = 0;
  try {
    const program = await options.program();
    for (const [key, value] of Object.entries(program as Record<string, unknown>)) {
      outputs[key] = await resolveOutput(value);
    }
    // Every registration is an RPC the runtime tracks; once they drain, the program is done.
    await pulumi.runtime.disconnect();
  } catch (error) {
    errors.push(error);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    process.off("unhandledRejection", onRejection);
  }
  return { resources, calls, simulated, outputs, errors };
}
