// A platform rule: an id, what it checks, how to fix a violation, and the check itself as plain
// functions of what the engine passes. `toPolicy` turns a rule into the @pulumi/policy object that
// both the pack (under the Pulumi CLI) and `evaluatePlan` (offline) call: one rule, one check.
import type {
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
} from "@pulumi/policy";
import type { PolicyContext } from "./context.ts";

export type PlatformEnforcementLevel = "mandatory" | "advisory";

export interface RuleInfo {
  /** Stable kebab-case id: the policy's name in the CLI's output and in audit reports. */
  id: string;
  /** One line: what the rule demands. */
  description: string;
  /** One sentence: how to fix a violation. */
  remediation: string;
  enforcementLevel: PlatformEnforcementLevel;
  /** Why a rule only advises; required for advisory rules. */
  advisoryReason?: string;
}

export type ReportResource = (message: string) => void;
export type ReportStack = (message: string, urn?: string) => void;

export interface PlatformRule extends RuleInfo {
  /** The resource types `checkResource` reads; for any other resource the rule is not applicable. */
  resourceTypes?: readonly string[];
  /** Checks one resource's inputs (and options) as the engine registers it. */
  checkResource?: (
    args: ResourceValidationArgs,
    context: PolicyContext,
    report: ReportResource,
  ) => void;
  /**
   * Checks the stack as a whole: what must exist, and how resources refer to each other. During a
   * preview the engine passes each resource's planned outputs, so a stack check reads only fields
   * that are inputs too.
   */
  checkStack?: (args: StackValidationArgs, context: PolicyContext, report: ReportStack) => void;
}

/** The validate functions of a rule: synchronous, so an offline run needs no event loop turn. */
export type ValidateResource = (args: ResourceValidationArgs, report: ReportViolation) => void;
export type ValidateStack = (args: StackValidationArgs, report: ReportViolation) => void;

/** The @pulumi/policy object of a rule; a rule with both checks runs in both of the engine's passes. */
export interface PlatformPolicy extends ResourceValidationPolicy {
  name: string;
  description: string;
  enforcementLevel: PlatformEnforcementLevel;
  remediationSteps: string;
  advisoryReason?: string;
  validateResource?: ValidateResource;
  validateStack?: ValidateStack;
}

export function toPolicy(rule: PlatformRule, context: PolicyContext): PlatformPolicy {
  const { checkResource, checkStack } = rule;
  const types = rule.resourceTypes ?? [];
  const validateResource: ValidateResource | undefined =
    checkResource === undefined
      ? undefined
      : (args, reportViolation) => {
          if (!types.includes(args.type)) {
            args.notApplicable(`${rule.id} reads ${types.join(", ")} only`);
          }
          checkResource(args, context, (message) => {
            reportViolation(message);
          });
        };
  const validateStack: ValidateStack | undefined =
    checkStack === undefined
      ? undefined
      : (args, reportViolation) => {
          checkStack(args, context, (message, urn) => {
            reportViolation(message, urn);
          });
        };
  return {
    name: rule.id,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    remediationSteps: rule.remediation,
    ...(rule.advisoryReason === undefined ? {} : { advisoryReason: rule.advisoryReason }),
    ...(validateResource === undefined ? {} : { validateResource }),
    ...(validateStack === undefined ? {} : { validateStack }),
  };
}
