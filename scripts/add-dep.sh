#!/usr/bin/env bash
# Add a dependency without clobbering the shared .venv: serialised, then re-synced with the test extras.
# usage: scripts/add-dep.sh [--optional EXTRA] PACKAGE_SPEC...
set -euo pipefail
exec 9>/tmp/ethicompass-uv.lock
flock 9
./scripts/uv.sh add --no-sync "$@"
./scripts/uv.sh sync --frozen --all-extras
