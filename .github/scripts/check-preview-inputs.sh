#!/usr/bin/env bash
# Stops a preview or a drift check before it assumes anything when the stack's read-only
# environment (<stack>-preview or <stack>-drift) lacks what the bootstrap writes into it
# (AWS_ROLE_ARN of the read-only role, AWS_REGION, PULUMI_STACK) or names another stack. Those
# variables exist only once an administrator has applied the bootstrap project.
#   STACK=staging ENVIRONMENT=staging-preview PULUMI_STACK=... AWS_ROLE_ARN=... AWS_REGION=... check-preview-inputs.sh
set -euo pipefail

: "${STACK:?STACK is not set}"
environment="${ENVIRONMENT:-$STACK-preview}"
missing=()
for name in PULUMI_STACK AWS_ROLE_ARN AWS_REGION; do
  if [[ -z "${!name:-}" ]]; then
    missing+=("$name")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "::error::The \"$environment\" environment has no variable ${missing[*]}. The bootstrap project writes them: an administrator applies it (README: Bootstrap)."
  exit 1
fi

# A fully qualified name (org/project/stack) is allowed; its last part must be this stack.
if [[ "${PULUMI_STACK##*/}" != "$STACK" ]]; then
  echo "::error::PULUMI_STACK is \"$PULUMI_STACK\" in the \"$environment\" environment: it must name the $STACK stack."
  exit 1
fi
echo "Stack $PULUMI_STACK, read-only role of the \"$environment\" environment"
