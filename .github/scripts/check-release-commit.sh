#!/usr/bin/env bash
# Stops a production deployment of a commit that is not on the default branch. Release tags are
# protected (only the release team may create, move or delete them: the bootstrap's tag ruleset),
# and the commit a tag names must also have been merged, so reviewed and checked: a tag on an
# unmerged commit would otherwise run that commit's own workflow with production's credentials.
# Needs the default branch's history (actions/checkout with fetch-depth: 0).
#   RELEASE_SHA=<commit> DEFAULT_BRANCH=main check-release-commit.sh
set -euo pipefail

: "${RELEASE_SHA:?RELEASE_SHA is not set}"
: "${DEFAULT_BRANCH:?DEFAULT_BRANCH is not set}"
main="refs/remotes/origin/$DEFAULT_BRANCH"

if ! git rev-parse --verify --quiet "$main^{commit}" >/dev/null; then
  echo "::error::The checkout has no $main to look the release commit up in: check out with fetch-depth: 0."
  exit 1
fi
if ! git rev-parse --verify --quiet "$RELEASE_SHA^{commit}" >/dev/null; then
  echo "::error::The release commit $RELEASE_SHA is not in the checkout."
  exit 1
fi
if ! git merge-base --is-ancestor "$RELEASE_SHA" "$main"; then
  echo "::error::The release commit $RELEASE_SHA is not on $DEFAULT_BRANCH: only a merged commit deploys production. Tag a commit of $DEFAULT_BRANCH."
  exit 1
fi
echo "Release commit $RELEASE_SHA is on $DEFAULT_BRANCH"
