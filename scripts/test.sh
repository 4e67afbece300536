#!/usr/bin/env bash
# Quick start, part two: runs every test. Installs what the tests need from
# Debian (PostgreSQL, slixmpp, Chromium…) through the project's own scripts,
# starts PostgreSQL, then runs the type checks, the linters (ESLint and the
# dependency rules of .dependency-cruiser.cjs) and the whole suite through
# turbo (test:e2e: the web client in Chromium against a real server;
# test:infra: the container image built with Podman and started, the compose
# file and the Kubernetes manifests validated; test:cluster: three server nodes
# on Redis and PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/install-test-deps.sh
CONEXIZAN_TEST_POSTGRES_URL="$(bash scripts/ensure-postgres.sh | tail -n 1)"
export CONEXIZAN_TEST_POSTGRES_URL
log=$(mktemp)
set +e
pnpm exec turbo run typecheck lint lint:repo test test:cluster test:e2e test:infra --concurrency=1 --continue --env-mode=loose "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
node scripts/test-summary.mjs "$log"
rm -f "$log"
exit "$status"
