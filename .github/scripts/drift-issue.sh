#!/usr/bin/env bash
# Keeps ONE open issue per drifted stack, found by its label and exact title: created on the first
# drift, commented on while the drift lasts, closed by the first run that finds none. A stack whose
# check failed (empty result) is left as it is.
#   GH_TOKEN=... GH_REPO=owner/repo RUN_URL=... DRIFT_STAGING=true|false|'' DRIFT_PRODUCTION=... drift-issue.sh
set -euo pipefail

: "${RUN_URL:?RUN_URL is not set}"
label=drift

gh label create "$label" --color D93F0B \
  --description "The real infrastructure differs from the Pulumi state" --force >/dev/null

# The open issue of that exact title, if any (gh applies the filter itself: no jq needed). Titles
# are this script's own, "Drift detected in <stack>", so they need no escaping inside the filter.
open_issue() {
  gh issue list --state open --label "$label" --limit 100 --json number,title \
    --jq "map(select(.title == \"$1\")) | first | .number // empty"
}

report() {
  local stack=$1 drift=$2
  local title="Drift detected in $stack"
  local number
  number="$(open_issue "$title")"
  case "$drift" in
    true)
      local body
      body="A refreshed preview of \`$stack\` (\`pulumi preview --refresh --expect-no-changes\`) proposes changes: the real resources differ from the state of the last deployment. The diff is in the summary of $RUN_URL.

Either undo the change made outside Pulumi (the next \`pulumi up\` also puts the declared values back), or bring it into the code and deploy. The check never writes the state."
      if [[ -n "$number" ]]; then
        gh issue comment "$number" --body "Still drifting: $RUN_URL"
        echo "$stack: drift, commented on #$number"
      else
        gh issue create --title "$title" --label "$label" --body "$body"
        echo "$stack: drift, issue opened"
      fi
      ;;
    false)
      if [[ -n "$number" ]]; then
        gh issue close "$number" --comment "No drift any more: $RUN_URL"
        echo "$stack: no drift, closed #$number"
      else
        echo "$stack: no drift"
      fi
      ;;
    *)
      echo "$stack: the check did not finish; nothing reported (see $RUN_URL)"
      ;;
  esac
}

report staging "${DRIFT_STAGING:-}"
report production "${DRIFT_PRODUCTION:-}"
