#!/usr/bin/env bash
# Debian's Chromium for the explorer's browser tests (packages/explorer/src/*.e2e.test.ts), driven by
# playwright-core with executablePath=/usr/bin/chromium: Playwright's own browser downloads cannot
# work here. Installs only when missing; needs root (CI and the dev machines run as root).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(chromium --version 2>/dev/null || echo present)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
sudo_if_needed apt-get update -qq
sudo_if_needed apt-get install -y -qq chromium >/dev/null
echo "chromium installed: $(chromium --version)"
