#!/usr/bin/env bash
# Stops a deployment before it starts when the environment's inputs are missing or name another
# stack. The bootstrap project writes AWS_ROLE_ARN, AWS_REGION and PULUMI_STACK into the GitHub
# environment; the stack writes APP_URL on its first `pulumi up`, run from a workstation.
#   ENVIRONMENT=staging PULUMI_STACK=... AWS_ROLE_ARN=... AWS_REGION=... APP_URL=... check-deploy-inputs.sh
set -euo pipefail

: "${ENVIRONMENT:?ENVIRONMENT is not set}"
missing=()
for name in PULUMI_STACK AWS_ROLE_ARN AWS_REGION APP_URL; do
  if [[ -z "${!name:-}" ]]; then
    missing+=("$name")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "::error::The \"$ENVIRONMENT\" environment has no variable ${missing[*]}. The bootstrap project writes AWS_ROLE_ARN, AWS_REGION and PULUMI_STACK (an administrator applies it), the stack APP_URL on its first \`pulumi up\` from a workstation (README: Bootstrap)."
  exit 1
fi

# A fully qualified name (org/project/stack) is allowed; its last part must be this environment.
if [[ "${PULUMI_STACK##*/}" != "$ENVIRONMENT" ]]; then
  echo "::error::PULUMI_STACK is \"$PULUMI_STACK\" in the \"$ENVIRONMENT\" environment: it must name the $ENVIRONMENT stack."
  exit 1
fi
if [[ "$APP_URL" != https://* ]]; then
  echo "::error::APP_URL is \"$APP_URL\": expected an https:// URL."
  exit 1
fi
echo "Deploying stack $PULUMI_STACK to $APP_URL"
