#!/usr/bin/env bash
# After `pulumi up`: the images the stack just deployed, by digest, as the checksums file
# actions/attest reads (`subject-checksums`: one "<sha256 hex>  <name>" line per subject, the form
# of sha256sum). Read from the run's own stack output `platform.images` (name -> {repository,
# digest, repoDigest}), so the provenance attested is that of exactly the digests the apps run.
#   IMAGES='<json of platform.images>' CHECKSUMS=<file> image-checksums.sh
set -euo pipefail

: "${IMAGES:?IMAGES is not set: pass toJSON(fromJSON(steps.up.outputs.platform).images)}"
: "${CHECKSUMS:?CHECKSUMS is not set}"

lines="$(jq -r '
  to_entries[]
  | .key as $image
  | .value.repoDigest as $ref
  | ($ref | capture("^(?<name>[^@]+)@sha256:(?<hex>[0-9a-f]{64})$")
      // error("image \($image): \($ref | tojson) is not <repository>@sha256:<64 hex>")) as $parts
  | "\($parts.hex)  \($parts.name)"
' <<<"$IMAGES")" || {
  echo "::error::platform.images is not a map of images by digest (repo@sha256:<64 hex>): nothing to attest."
  exit 1
}
if [[ -z "$lines" ]]; then
  echo "::error::platform.images names no image: nothing to attest."
  exit 1
fi
printf '%s\n' "$lines" >"$CHECKSUMS"
echo "Attesting $(wc -l <"$CHECKSUMS") image(s):"
cat "$CHECKSUMS"
