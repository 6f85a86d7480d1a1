#!/usr/bin/env bash
# nats-server >= 2.12 for the NATS tests and benchmarks: the machine's own server (Debian's 2.9) has no atomic batch
# publish (multi-stream appends, the projection host) and forks replicated streams under optimistic concurrency.
# Installs Debian forky's nats-server into .tools/nats inside the clone (no system change, gitignored), from the
# mirror this machine's apt uses; the tests start it (one node, and 3-node clusters) and `npm run bench -- nats`
# finds it there (or wherever CHRONICLE_NATS_SERVER_BIN points).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="$(bash packages/nats/scripts/install-nats-server.sh "$PWD/.tools/nats")"
echo "nats-server for the NATS tests: $bin ($("$bin" --version))"
