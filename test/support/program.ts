// Finds what a program run recorded; resources register in dependency order, so tests look them
// up by type and name, never by position.
import type { ProgramRun, RecordedResource } from "../../tools/mock/run-program.ts";
import { plainOutput } from "../../tools/plan/render.ts";

export const TYPES = {
  project: "digitalocean:index/project:Project",
  vpc: "digitalocean:index/vpc:Vpc",
  vpcPeering: "digitalocean:index/vpcPeering:VpcPeering",
  cluster: "digitalocean:index/databaseCluster:DatabaseCluster",
  replica: "digitalocean:index/databaseReplica:DatabaseReplica",
  database: "digitalocean:index/databaseDb:DatabaseDb",
  user: "digitalocean:index/databaseUser:DatabaseUser",
  connectionPool: "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool",
  firewall: "digitalocean:index/databaseFirewall:DatabaseFirewall",
  registry: "digitalocean:index/containerRegistry:ContainerRegistry",
  registryCredentials:
    "digitalocean:index/containerRegistryDockerCredentials:ContainerRegistryDockerCredentials",
  image: "docker:index/image:Image",
  app: "digitalocean:index/app:App",
  bucket: "aws:s3/bucket:Bucket",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  encryption:
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  cors: "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration",
  logging: "aws:s3/bucketLogging:BucketLogging",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  iamUser: "aws:iam/user:User",
  iamUserPolicy: "aws:iam/userPolicy:UserPolicy",
  zoneSetting: "cloudflare:index/zoneSetting:ZoneSetting",
  dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
  ruleset: "cloudflare:index/ruleset:Ruleset",
  loadBalancer: "cloudflare:index/loadBalancer:LoadBalancer",
  pool: "cloudflare:index/loadBalancerPool:LoadBalancerPool",
  monitor: "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor",
  randomPassword: "random:index/randomPassword:RandomPassword",
} as const;

export function resourcesOfType(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((resource) => resource.type === type);
}

export function resourceNamed(run: ProgramRun, type: string, name: string): RecordedResource {
  const found = run.resources.find((resource) => resource.type === type && resource.name === name);
  if (found === undefined) {
    const names = resourcesOfType(run, type).map((resource) => resource.name);
    throw new Error(`no ${type} named ${name}; recorded: ${names.join(", ") || "none"}`);
  }
  return found;
}

/** The stack outputs as `pulumi stack output --json` would print them, secrets as `[secret]`. */
export function outputsOf(run: ProgramRun): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(run.outputs).map(([key, value]) => [key, plainOutput(value)]),
  );
}

export interface RecordedEnv {
  key: string;
  value: string;
  type: "SECRET" | "GENERAL";
  scope: string;
}

export interface RecordedService {
  name: string;
  image: {
    registryType: string;
    repository: string;
    digest?: string;
    tag?: string;
  };
  httpPort: number;
  internalPorts?: number[];
  instanceSizeSlug: string;
  instanceCount?: number;
  autoscaling?: {
    minInstanceCount: number;
    maxInstanceCount: number;
    metrics: { cpu: { percent: number } };
  };
  healthCheck: { httpPath: string; port: number; periodSeconds: number; failureThreshold: number };
  envs: RecordedEnv[];
  alerts: { rule: string; operator: string; value: number; window: string }[];
  logDestinations: { name: string }[];
}

export interface RecordedAppSpec {
  name: string;
  region: string;
  services: RecordedService[];
  ingress: { rules: { component: { name: string }; match: { path: { prefix: string } } }[] };
  alerts: { rule: string; destinations: { emails: string[] } }[];
  jobs?: { name: string; kind: string; instanceSizeSlug: string; runCommand: string }[];
  workers?: RecordedWorker[];
}

export interface RecordedWorker {
  name: string;
  image: { registryType: string; repository: string; digest?: string };
  instanceSizeSlug: string;
  instanceCount?: number;
  envs: RecordedEnv[];
  alerts: { rule: string }[];
  livenessHealthCheck?: Record<string, unknown>;
}

export function appSpecOf(app: RecordedResource): RecordedAppSpec {
  return app.inputs.spec as RecordedAppSpec;
}

export function serviceOf(spec: RecordedAppSpec, name: string): RecordedService {
  const service = spec.services.find((candidate) => candidate.name === name);
  if (service === undefined) throw new Error(`app ${spec.name} runs no service ${name}`);
  return service;
}

export function envOf(
  service: Pick<RecordedService, "envs">,
  key: string,
): RecordedEnv | undefined {
  return service.envs.find((env) => env.key === key);
}
