#!/usr/bin/env bash
# Debian packages the tests use: real XMPP clients nobody here wrote.
set -euo pipefail
# prosody + lua-unbound: the federation peer; chromium: the web client end-to-end tests;
# python3-omemo + oldmemo + twomemo (+ xmlschema for its etree helpers): the independent OMEMO implementation (0.3 and OMEMO 2);
# python3-cryptography: AES-GCM that opens the web client's encrypted uploads (XEP-0454) in the e2e test;
# gnupg: profanity's keys for OpenPGP for XMPP (/ox), the independent peer for it and for group OMEMO;
# openssl: the throwaway CA of the federation tests (certificate authentication between servers);
# go-sendxmpp: a one-shot client that sends a newline between the XML declaration and the stream header;
# profanity (driven in tmux), poezio, tsung: the clients of the compatibility tests (MAM history, bookmark storage,
# pipelined stream restarts);
# podman, runc, debootstrap, podman-compose, caddy, postgresql-client: the infra tests (the container image is built on a
# Debian base made with debootstrap, the compose file parsed, Caddy run in front of the image, a backup restored).
# kubectl (with kustomize) is not in Debian 12: the infra tests use the one the machine image has.
# redis-server: what the nodes of a cluster share for live state (the cluster tests start their own on loopback).
packages=(python3-slixmpp python3-aiohttp coturn prosody prosody-modules lua-unbound chromium fonts-dejavu-core python3-omemo python3-oldmemo python3-twomemo python3-xmlschema python3-cryptography openssl
  go-sendxmpp profanity tmux gnupg poezio tsung
  podman runc debootstrap podman-compose caddy postgresql-client redis-server)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "need root to apt-get install ${missing[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null || { apt-get update >/dev/null; apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
fi
