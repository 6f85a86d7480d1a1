#!/usr/bin/env bash
# Debian's HAProxy for the load-balancer test (apps/downloads/src/field.postgres.e2e.test.ts runs
# docs/deploy/haproxy.cfg in front of three Downloads instances). Installs only when missing; needs
# root (CI and the dev machines run as root). The test starts its own haproxy in the foreground;
# the package's service is left as installed.
set -euo pipefail
if command -v haproxy >/dev/null 2>&1; then
  echo "haproxy: $(haproxy -v | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
sudo_if_needed apt-get update -qq
sudo_if_needed apt-get install -y -qq haproxy >/dev/null
echo "haproxy installed: $(haproxy -v | head -1)"
