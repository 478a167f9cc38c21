#!/usr/bin/env bash
# Commit only the named paths, serialised with the other people working in this tree.
# usage: scripts/commit.sh "message" PATH...
set -euo pipefail
msg="$1"; shift
exec 9>/tmp/ethicompass-git.lock
flock 9
git add -A -- "$@"
git commit -q -m "$msg" -- "$@"
git log --oneline -1
