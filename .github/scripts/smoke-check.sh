#!/usr/bin/env bash
# After `pulumi up`: the public URL answers /healthz through the edge, and, when the environment
# names them, each region's origin answers /readyz (web -> api -> database) past the load balancer,
# so a broken secondary shows up right after the deployment that broke it. App Platform rolls a
# deployment out in the background, so every request retries, within a bounded time (5 min each).
#   STACK_OUTPUTS='<the stack output "platform", JSON>' [ORIGIN_LOCK_SECRET=...] smoke-check.sh
#   APP_URL=https://app.example.com [ORIGIN_HOSTS=a.ondigitalocean.app,b... ORIGIN_LOCK_SECRET=...] smoke-check.sh
# In CI the hosts come from the outputs of the `pulumi up` just run: the environment's variables
# were read when the job started, before that run could change them (a region added, an app
# recreated). The origin-lock secret still comes from the environment: after a rotation the apps
# accept the previous generation too (infra/edge/origin-lock.ts).
set -euo pipefail

# Scheme of the URLs built from STACK_OUTPUTS (tests use http).
scheme="${SMOKE_SCHEME:-https}"
if [[ -n "${STACK_OUTPUTS:-}" ]]; then
  APP_URL="$scheme://$(jq -er '.hostnames.app' <<<"$STACK_OUTPUTS")"
  ORIGIN_HOSTS="$(jq -er '[.apps[].originHost] | join(",")' <<<"$STACK_OUTPUTS")"
fi
: "${APP_URL:?APP_URL is not set (nor STACK_OUTPUTS)}"
# Seconds between tries (tests shorten it).
retry_delay="${SMOKE_RETRY_DELAY_SECONDS:-15}"
# The header the origins require (ORIGIN_LOCK_HEADER in infra/edge/origin-lock.ts).
origin_lock_header=x-origin-lock

probe() {
  # --retry-all-errors: also retry 5xx and refused connections while the rollout finishes.
  curl --fail --silent --show-error --max-time 10 \
    --retry 20 --retry-delay "$retry_delay" --retry-max-time 300 --retry-all-errors \
    --output /dev/null --write-out "%{http_code} in %{time_total}s: %{url}\n" "$@"
}

if ! probe "${APP_URL%/}/healthz"; then
  echo "::error::${APP_URL%/}/healthz did not answer 2xx within 5 minutes."
  exit 1
fi

if [[ -n "${ORIGIN_HOSTS:-}" && -n "${ORIGIN_LOCK_SECRET:-}" ]]; then
  # The secret goes to curl in a file, never on its command line (visible to every process).
  headers="$(mktemp)"
  trap 'rm -f "$headers"' EXIT
  printf '%s: %s\n' "$origin_lock_header" "$ORIGIN_LOCK_SECRET" >"$headers"
  IFS=, read -r -a hosts <<<"$ORIGIN_HOSTS"
  for host in "${hosts[@]}"; do
    if ! probe --header "@$headers" "$scheme://$host/readyz"; then
      echo "::error::The origin $host did not answer /readyz with 2xx within 5 minutes."
      exit 1
    fi
  done
fi
echo "Smoke check passed."
