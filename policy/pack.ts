// The policy pack the Pulumi CLI serves (`pulumi preview --policy-pack policy`), for the platform's
// stacks and the bootstrap's alike. It learns its project and stack from the engine: the Node.js
// language host sets PULUMI_NODEJS_PROJECT and PULUMI_NODEJS_STACK before it starts the pack,
// which `pulumi.getProject()` and `pulumi.getStack()` read. Importing this module starts the
// pack's gRPC server, so only index.js imports it; tests import the rules instead.
import { PolicyPack } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { platformPolicies } from "./catalog.ts";
import { contextFor } from "./context.ts";
import { costContextOf } from "./cost/context.ts";

// The project's own config namespace (`platform`, or `platform-bootstrap`, which has no cost).
const config = new pulumi.Config();
const cost = costContextOf({
  cost: config.getObject("cost"),
  edge: config.getObject("edge"),
  assets: config.getObject("assets"),
});

new PolicyPack("platform", {
  description: "The platform's guardrails over staging, production and their bootstrap.",
  policies: platformPolicies(contextFor(pulumi.getStack(), pulumi.getProject(), cost)),
});
