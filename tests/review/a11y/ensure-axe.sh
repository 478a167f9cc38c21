#!/usr/bin/env bash
# Install axe-core (pinned in package-lock.json) for the report's accessibility test, once.
# Called by `make test`; a no-op when node_modules is already there.
set -euo pipefail
cd "$(dirname "$0")"
if [[ -f node_modules/axe-core/axe.min.js ]]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "ensure-axe: npm not found; the axe-core accessibility test will be skipped" >&2
  exit 0
fi
npm ci --no-audit --no-fund --ignore-scripts
