#!/usr/bin/env bash
# Quick start, part one: installs everything and starts the whole service on
# embedded defaults (domain localhost, SQLite and a self-signed certificate in
# ./data). Needs only Node.js 20 and npm; stops cleanly with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
pnpm --filter @conexizan/web build >/dev/null
exec node apps/server/bin/conexizan.mjs serve "$@"
