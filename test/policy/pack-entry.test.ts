// The pack starts as the Pulumi CLI starts it, and answers the engine's calls. The Node.js
// language host runs `node <pack>/node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine>
// <pack dir>` in the pack's directory, with the stack and its config in PULUMI_NODEJS_STACK and
// PULUMI_CONFIG (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs, RunPlugin); the pack prints
// its gRPC port and serves the Analyzer service. This test does the same and calls that service.
import { spawn, type ChildProcess } from "node:child_process";
import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RULES } from "../../policy/catalog.ts";

const PACK = fileURLToPath(new URL("../../policy/", import.meta.url));
const SDK = realpathSync(`${PACK}node_modules/@pulumi/pulumi`);
// The SDK's own gRPC stubs and runtime, untyped from here (they live in the pack's dependencies).
const load = createRequire(`${SDK}/package.json`);

interface Message {
  toObject(): unknown;
}
interface AnalyzerClient {
  getAnalyzerInfo(
    request: object,
    callback: (error: Error | null, response: Message) => void,
  ): void;
  analyze(request: object, callback: (error: Error | null, response: Message) => void): void;
  analyzeStack(request: object, callback: (error: Error | null, response: Message) => void): void;
  close(): void;
}
interface Stubs {
  grpc: { credentials: { createInsecure(): unknown } };
  AnalyzerClient: new (address: string, credentials: unknown) => AnalyzerClient;
  analyzer: {
    AnalyzeRequest: new () => {
      setType(type: string): void;
      setUrn(urn: string): void;
      setName(name: string): void;
      setProperties(properties: unknown): void;
      setOptions(options: unknown): void;
    };
    AnalyzeStackRequest: new () => { setResourcesList(resources: unknown[]): void };
    AnalyzerResource: new () => {
      setType(type: string): void;
      setUrn(urn: string): void;
      setName(name: string): void;
      setProperties(properties: unknown): void;
      setOptions(options: unknown): void;
    };
    AnalyzerResourceOptions: new () => { setProtect(protect: boolean): void };
  };
  Struct: { fromJavaScript(value: object): unknown };
  Empty: new () => object;
}

function stubs(): Stubs {
  const required = (id: string): unknown => load(id);
  const grpc = required("@grpc/grpc-js") as Stubs["grpc"];
  const services = required("./proto/analyzer_grpc_pb.js") as {
    AnalyzerClient: Stubs["AnalyzerClient"];
  };
  const analyzer = required("./proto/analyzer_pb.js") as Stubs["analyzer"];
  const struct = required("google-protobuf/google/protobuf/struct_pb.js") as {
    Struct: Stubs["Struct"];
  };
  const empty = required("google-protobuf/google/protobuf/empty_pb.js") as {
    Empty: Stubs["Empty"];
  };
  return {
    grpc,
    AnalyzerClient: services.AnalyzerClient,
    analyzer,
    Struct: struct.Struct,
    Empty: empty.Empty,
  };
}

let pack: ChildProcess;
let client: AnalyzerClient;
const { grpc, AnalyzerClient, analyzer, Struct, Empty } = stubs();

const call = (method: "getAnalyzerInfo" | "analyze" | "analyzeStack", request: object) =>
  new Promise<Record<string, unknown>>((resolve, reject) => {
    client[method](request, (error, response) => {
      if (error === null) resolve(response.toObject() as Record<string, unknown>);
      else reject(error);
    });
  });

beforeAll(async () => {
  pack = spawn(process.execPath, [`${SDK}/cmd/run-policy-pack/index.js`, "127.0.0.1:1", PACK], {
    cwd: PACK,
    env: {
      ...process.env,
      PULUMI_NODEJS_STACK: "production",
      PULUMI_NODEJS_PROJECT: "platform",
      PULUMI_CONFIG: JSON.stringify({
        "platform:github": JSON.stringify({ owner: "acme", repository: "platform" }),
      }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  pack.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    pack.stdout?.once("data", (chunk: Buffer) => {
      resolve(chunk.toString().trim());
    });
    pack.once("exit", (code) => {
      reject(new Error(`the pack exited with ${String(code)} before serving: ${stderr}`));
    });
  });
  expect(port).toMatch(/^\d+$/);
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 20_000);

afterAll(() => {
  client.close();
  pack.kill();
});

describe("the pack under run-policy-pack, as the CLI starts it", () => {
  it("serves every rule with its enforcement level and remediation", async () => {
    const info = await call("getAnalyzerInfo", new Empty());
    expect(info.name).toBe("platform");
    const policies = info.policiesList as {
      name: string;
      enforcementlevel: number;
      remediationSteps: string;
    }[];
    expect(policies.map((policy) => policy.name)).toEqual(RULES.map((rule) => rule.id));
    // EnforcementLevel: 0 advisory, 1 mandatory (analyzer.proto).
    expect(policies.map((policy) => policy.enforcementlevel)).toEqual(
      RULES.map((rule) => (rule.enforcementLevel === "mandatory" ? 1 : 0)),
    );
    expect(policies.every((policy) => policy.remediationSteps.length > 0)).toBe(true);
  });

  it("knows its stack from the engine: a production cluster without a standby is refused", async () => {
    const request = new analyzer.AnalyzeRequest();
    request.setType("digitalocean:index/databaseCluster:DatabaseCluster");
    request.setUrn(
      "urn:pulumi:production::platform::digitalocean:index/databaseCluster:DatabaseCluster::db",
    );
    request.setName("db");
    request.setProperties(Struct.fromJavaScript({ nodeCount: 1, privateNetworkUuid: "vpc" }));
    const options = new analyzer.AnalyzerResourceOptions();
    options.setProtect(true);
    request.setOptions(options);
    const response = await call("analyze", request);
    const diagnostics = response.diagnosticsList as { policyname: string; message: string }[];
    expect(diagnostics.map((diagnostic) => diagnostic.policyname)).toEqual([
      "data-production-standby",
    ]);
    expect(diagnostics[0]?.message).toContain("nodeCount is 1: no standby takes over");
  });

  it("knows its project from the engine: a platform stack may not hold a GitHub environment", async () => {
    const environment = new analyzer.AnalyzerResource();
    environment.setType("github:index/repositoryEnvironment:RepositoryEnvironment");
    environment.setUrn(
      "urn:pulumi:production::platform::github:index/repositoryEnvironment:RepositoryEnvironment::env",
    );
    environment.setName("env");
    environment.setProperties(Struct.fromJavaScript({ environment: "production" }));
    environment.setOptions(new analyzer.AnalyzerResourceOptions());
    const request = new analyzer.AnalyzeStackRequest();
    request.setResourcesList([environment]);
    const response = await call("analyzeStack", request);
    const diagnostics = response.diagnosticsList as { policyname: string; message: string }[];
    expect(diagnostics.map((diagnostic) => diagnostic.policyname)).toEqual([
      "delivery-identity-in-bootstrap",
    ]);
    expect(diagnostics[0]?.message).toContain(
      "env (github:index/repositoryEnvironment:RepositoryEnvironment) belongs in the bootstrap project",
    );
  });
});
