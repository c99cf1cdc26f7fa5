#!/usr/bin/env bash
# Make sure a headless-capable Chromium is on this machine for the browser tests
# (tests/browser/), then print exactly one line on stdout: the browser's path.
# Usage: scripts/ensure-chromium.sh
# Env:   CHROMIUM = a browser binary to use as it is (nothing is installed for it then)
# Paths: 1) CHROMIUM  2) chromium / chromium-browser / google-chrome on PATH
#        3) apt-get installs Debian's `chromium` package (as root, or with passwordless sudo).
# Also installs a Japanese font (fonts-ipafont-gothic) when the machine has none, so the
# dashboard's screenshots are readable; a missing font only warns.
# Exits 1 with nothing on stdout when there is no browser: the caller decides whether
# that fails (CI=true) or lets the browser tests skip with a printed reason.
set -euo pipefail

# All chatter goes to stderr; fd 3 keeps the real stdout for the single path line.
exec 3>&1 1>&2
log() { printf '[chromium] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

FONT_PKG=fonts-ipafont-gothic

find_browser() {
  local name path
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    if path=$(command -v "$name"); then printf '%s\n' "$path"; return 0; fi
  done
  return 1
}
# Without fontconfig there is nothing to ask; assume the fonts are fine.
has_ja_font() { ! command -v fc-list >/dev/null || [[ -n $(fc-list :lang=ja family 2>/dev/null) ]]; }
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

browser=${CHROMIUM:-}
if [[ -n $browser ]]; then
  [[ -x $browser ]] || die "CHROMIUM=$browser is not an executable file"
else
  browser=$(find_browser) || browser=""
fi

wanted=()
[[ -z $browser ]] && wanted+=(chromium)
has_ja_font || wanted+=("$FONT_PKG")
if ((${#wanted[@]})); then
  if can_apt; then
    apt_install "${wanted[@]}" || log "apt-get install ${wanted[*]} failed"
  else
    log "cannot install ${wanted[*]}: needs apt-get and root or passwordless sudo"
  fi
fi

if [[ -z $browser ]]; then
  browser=$(find_browser) || die "no Chromium found: install Debian's 'chromium' package (or set CHROMIUM=/path/to/browser)"
fi
has_ja_font || log "WARNING: no Japanese font; screenshots of Japanese pages will show boxes ($FONT_PKG)"
log "using $browser ($("$browser" --version 2>/dev/null || echo 'version unknown'))"
printf '%s\n' "$browser" >&3
