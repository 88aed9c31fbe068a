#!/bin/sh
# Make sure Debian's Chromium is at $CHROMIUM for the browser tests (never a browser
# download): present -> nothing to do; missing and root -> apt-get install it; missing and
# not root -> one line saying what to run, and fail (the browser tests cannot pass).
set -eu
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "make test: $CHROMIUM is missing; install it once with \`sudo apt-get install chromium\` (Debian's package, the browser tests drive it), then run make test again." >&2
  exit 1
fi
echo "make test: installing Debian's chromium for the browser tests (apt-get, about a minute)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq chromium >/dev/null
if [ ! -x "$CHROMIUM" ]; then
  echo "make test: apt-get installed chromium but $CHROMIUM is still missing." >&2
  exit 1
fi
