#!/usr/bin/env bash
# nats-server >= 2.10 for the clustered NATS tests: the machine's own server (Debian's 2.9) forks
# streams under optimistic concurrency when they are replicated. Installs into .tools/nats inside
# the clone (no system change, gitignored); the tests and `npm run bench -- nats` find it there
# (or wherever CHRONICLE_NATS_SERVER_BIN points).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="$(bash packages/nats/scripts/install-nats-server.sh "$PWD/.tools/nats")"
echo "nats-server for cluster tests: $bin ($("$bin" --version))"
