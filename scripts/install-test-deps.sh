#!/usr/bin/env bash
# Debian packages the tests use: real XMPP clients nobody here wrote.
set -euo pipefail
packages=(python3-slixmpp python3-aiohttp coturn)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "need root to apt-get install ${missing[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null || { apt-get update >/dev/null; apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
fi
