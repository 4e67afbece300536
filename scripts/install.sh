#!/usr/bin/env bash
# Installs the JavaScript side: pnpm (the version pinned in package.json),
# the workspace's dependencies, and the generated Prisma clients.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$want" ]; then
  echo "installing pnpm $want" >&2
  npm install --global --allow-scripts=pnpm "pnpm@$want" >/dev/null 2>&1 || npm install --global "pnpm@$want"
fi
# Native addons (better-sqlite3) build against the Node headers Debian ships;
# pnpm 12 ignores npm's nodedir setting, so it is passed on explicitly.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi
pnpm install --frozen-lockfile
pnpm run generate
