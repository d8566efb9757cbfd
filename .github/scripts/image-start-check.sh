#!/usr/bin/env bash
# Starts an image the checks built, with the env of IMAGE_ENV (a JSON object: what its catalog
# bindings give it, nothing real behind any value; tools/ci/image-start-env.ts), and waits until the
# image's own HEALTHCHECK reports healthy. Fails, with the container's output, if it exits, turns
# unhealthy or is still starting after 90 s.
set -euo pipefail

image="$1"
env_file="$(mktemp)"
jq -r 'to_entries[] | "\(.key)=\(.value)"' <<<"${IMAGE_ENV:?IMAGE_ENV must hold the env as JSON}" >"$env_file"
container="$(docker run --detach --env-file "$env_file" "$image")"
trap 'docker rm --force "$container" >/dev/null' EXIT

status=starting
for _ in $(seq 1 45); do
  status="$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}no-healthcheck{{end}}' "$container")"
  if [ "$status" = healthy ]; then
    echo "$image started and passed its health check"
    exit 0
  fi
  if [ "$status" = unhealthy ] || [ "$status" = no-healthcheck ] ||
    [ "$(docker inspect --format '{{.State.Running}}' "$container")" != true ]; then
    break
  fi
  sleep 2
done
echo "::error::$image did not pass its health check (status: $status); its output:"
docker logs "$container" 2>&1 | tail -n 50
exit 1
