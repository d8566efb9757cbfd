#!/usr/bin/env bash
# After `pulumi up`: the public URL answers /healthz through the edge, and, when the environment
# names them, each region's origin answers /readyz (the front end, then what it uses, then the
# database) past the load balancer, so a broken secondary shows up right after the deployment that
# broke it. App Platform rolls a
# deployment out in the background, so every request retries, within a bounded time (5 min each).
#   APP_HOST=app.example.com [ORIGIN_HOSTS=a.ondigitalocean.app,b... ORIGIN_LOCK_SECRET=...] smoke-check.sh
#   APP_URL=https://app.example.com [...] smoke-check.sh
# In CI the hosts come from the outputs of the `pulumi up` just run: the environment's variables
# were read when the job started, before that run could change them (a region added, an app
# recreated). The origin-lock secret still comes from the environment: after a rotation the apps
# accept the previous generation too (infra/edge/origin-lock.ts).
set -euo pipefail

# Scheme of the URLs built from hosts (tests use http).
scheme="${SMOKE_SCHEME:-https}"
if [[ -n "${APP_HOST:-}" ]]; then
  APP_URL="$scheme://$APP_HOST"
fi
if [[ -z "${APP_URL:-}" ]]; then
  echo "::error::Neither APP_HOST nor APP_URL is set: the smoke check needs the app's public host (the stack output platform.hostnames.app)." >&2
  exit 2
fi
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

# Origins are checked whenever they are named; from the stack's outputs (APP_HOST) they always
# are, so an empty list there means the outputs were not read as expected, not "nothing to check".
# All of this is decided before the first request, so a bad input fails at once.
hosts=()
if [[ -n "${ORIGIN_HOSTS:-}" ]]; then
  IFS=, read -r -a hosts <<<"$ORIGIN_HOSTS"
  for host in "${hosts[@]}"; do
    if [[ -z "$host" ]]; then
      echo "::error::ORIGIN_HOSTS ($ORIGIN_HOSTS) has an empty entry: an app in the stack output platform.apps[] has no originHost."
      exit 1
    fi
  done
  if [[ -z "${ORIGIN_LOCK_SECRET:-}" ]]; then
    echo "::error::ORIGIN_LOCK_SECRET is not set, so the origins ($ORIGIN_HOSTS) cannot be reached past the lock: the environment should hold the secret the stack writes."
    exit 1
  fi
elif [[ -n "${APP_HOST:-}" ]]; then
  echo "::error::ORIGIN_HOSTS is empty: the stack output platform.apps[].originHost should name every region's origin."
  exit 1
fi

if ! probe "${APP_URL%/}/healthz"; then
  echo "::error::${APP_URL%/}/healthz did not answer 2xx within 5 minutes."
  exit 1
fi

if [[ ${#hosts[@]} -eq 0 ]]; then
  echo "No ORIGIN_HOSTS given: only the public URL was checked."
else
  # The secret goes to curl in a file, never on its command line (visible to every process).
  headers="$(mktemp)"
  trap 'rm -f "$headers"' EXIT
  printf '%s: %s\n' "$origin_lock_header" "$ORIGIN_LOCK_SECRET" >"$headers"
  for host in "${hosts[@]}"; do
    if ! probe --header "@$headers" "$scheme://$host/readyz"; then
      echo "::error::The origin $host did not answer /readyz with 2xx within 5 minutes."
      exit 1
    fi
  done
fi
echo "Smoke check passed."
