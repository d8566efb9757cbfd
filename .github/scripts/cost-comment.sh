#!/usr/bin/env bash
# Keeps ONE comment on a pull request with the monthly cost estimates (`pnpm cost <stack> --diff`
# of each stack), found by its marker: created by the first run, edited by every later one. The
# preview's own comments (pulumi/actions, one per stack) are left alone.
#   GH_TOKEN=... GH_REPO=owner/repo PR_NUMBER=12 BODY_FILE=cost.md cost-comment.sh
set -euo pipefail

: "${GH_REPO:?GH_REPO is not set}"
: "${PR_NUMBER:?PR_NUMBER is not set}"
: "${BODY_FILE:?BODY_FILE is not set}"
marker='<!-- platform: monthly cost estimate -->'

body="$(mktemp)"
trap 'rm -f "$body"' EXIT
{
  echo "$marker"
  echo "## Monthly cost estimate"
  echo
  cat "$BODY_FILE"
} >"$body"

# Every page of the conversation, so the comment is found however long it grew. `sed` reads its
# whole input, so gh never writes into a closed pipe.
id="$(gh api --paginate "repos/$GH_REPO/issues/$PR_NUMBER/comments" \
  --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | sed -n '1p')"
if [[ -n "$id" ]]; then
  gh api --method PATCH "repos/$GH_REPO/issues/comments/$id" -F "body=@$body" >/dev/null
  echo "Updated the cost comment $id on #$PR_NUMBER"
else
  gh api --method POST "repos/$GH_REPO/issues/$PR_NUMBER/comments" -F "body=@$body" >/dev/null
  echo "Commented the cost estimate on #$PR_NUMBER"
fi
