#!/usr/bin/env bash
# iproute2's `ip netns` for the NATS network partition test (packages/nats/src/partition.int.test.ts
# runs each nats-server in a network namespace it creates and deletes). Installs only when missing;
# needs root (CI and the dev machines run as root), as the test itself does.
set -euo pipefail
if command -v ip >/dev/null 2>&1 && ip netns list >/dev/null 2>&1; then
  echo "iproute2: $(ip -V)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
sudo_if_needed apt-get update -qq
sudo_if_needed apt-get install -y -qq iproute2 >/dev/null
echo "iproute2 installed: $(ip -V)"
