#!/usr/bin/env bash
# A refreshed preview of one stack that never writes the state, gated by the policy pack:
#   pulumi preview --refresh --expect-no-changes --policy-pack policy
# Pulumi's exit codes (CLI 3.226.1 and later, https://www.pulumi.com/docs/iac/cli/exit-codes/):
# 0 = no change, 7 = "no changes expectation not met", i.e. drift; anything else is a failure of
# the check itself (credentials, program error), which fails the step and is never reported as
# drift. Writes drift=true|false to $GITHUB_OUTPUT and the preview to the run's summary.
#   drift-preview.sh staging|production
set -euo pipefail

stack="${1:?usage: drift-preview.sh STACK}"
# An empty repository variable means Pulumi Cloud (PULUMI_ACCESS_TOKEN), not an empty URL.
if [[ -z "${PULUMI_BACKEND_URL:-}" ]]; then
  unset PULUMI_BACKEND_URL
fi

log="$(mktemp)"
status=0
pulumi preview --stack "$stack" --refresh --expect-no-changes --policy-pack policy --diff \
  --non-interactive --color never 2>&1 | tee "$log" || status=${PIPESTATUS[0]}

case "$status" in
  0) drift=false ;;
  7) drift=true ;;
  *)
    echo "::error::The refreshed preview of $stack failed (exit $status): the check did not run, which says nothing about drift."
    exit "$status"
    ;;
esac
echo "drift=$drift" >>"$GITHUB_OUTPUT"

{
  echo "## $stack"
  if [[ "$drift" == true ]]; then
    echo "The real resources differ from the state of the last deployment:"
    echo
    echo '```'
    # The summary of a step holds 1 MiB at most; the end of the output carries the counts.
    tail -c 60000 "$log"
    echo '```'
  else
    echo "No drift."
  fi
} >>"$GITHUB_STEP_SUMMARY"
