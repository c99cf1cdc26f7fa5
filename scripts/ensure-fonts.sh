#!/usr/bin/env bash
# Make sure the Japanese TrueType font the activity report's PDF is drawn with is on this
# machine, then print exactly one line on stdout: the font's path.
# Usage: scripts/ensure-fonts.sh
# Env:   REPORT_FONT = a TrueType font (.ttf) to use as it is (nothing is installed for it)
# Paths: 1) REPORT_FONT  2) Debian's IPAex Gothic (the default the app looks for)
#        3) apt-get installs `fonts-ipaexfont-gothic` (as root, or with passwordless sudo).
# Idempotent and quiet when the font is there. Exits 1 with nothing on stdout when there
# is no font: the app then answers the PDF with 503 `report_font_missing` (JSON still works).
set -euo pipefail

# All chatter goes to stderr; fd 3 keeps the real stdout for the single path line.
exec 3>&1 1>&2
log() { printf '[fonts] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Keep in step with the default of REPORT_FONT in src/otagai/config.py.
DEFAULT_FONT=/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf
FONT_PKG=fonts-ipaexfont-gothic
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

font=${REPORT_FONT:-$DEFAULT_FONT}
if [[ -n ${REPORT_FONT:-} ]]; then
  [[ -f $font ]] || die "REPORT_FONT=$font is not a file"
elif [[ ! -f $font ]]; then
  if can_apt; then
    apt_install "$FONT_PKG" || log "apt-get install $FONT_PKG failed"
  else
    log "cannot install $FONT_PKG: needs apt-get and root or passwordless sudo"
  fi
  [[ -f $font ]] || die "no $font: install Debian's '$FONT_PKG' package (or set REPORT_FONT=/path/to/font.ttf)"
  log "installed $font"
fi
printf '%s\n' "$font" >&3
