// The policy pack the Pulumi CLI serves (`pulumi preview --policy-pack policy`). It learns its
// stack and that stack's config from the engine: the Node.js language host sets
// PULUMI_NODEJS_STACK, PULUMI_NODEJS_PROJECT and PULUMI_CONFIG before it starts the pack, which
// `pulumi.getStack()` and `pulumi.Config` read. Importing this module starts the pack's gRPC
// server, so only index.js imports it; tests import the rules instead.
import { PolicyPack } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { platformPolicies } from "./catalog.ts";
import { contextFor, ownsRulesetFromConfig } from "./context.ts";
import { costContextOf } from "./cost/context.ts";

// The project's own config namespace (the project's name, `platform`).
const config = new pulumi.Config();
const github: unknown = config.getObject("github");
const cost = costContextOf({
  cost: config.getObject("cost"),
  edge: config.getObject("edge"),
  assets: config.getObject("assets"),
});

new PolicyPack("platform", {
  description: "The platform's guardrails over staging and production.",
  policies: platformPolicies(contextFor(pulumi.getStack(), ownsRulesetFromConfig(github), cost)),
});
