# shellcheck shell=bash
# Installing Debian/Ubuntu packages as root or with passwordless sudo; sourced by the
# ensure-* scripts, which define log() (to stderr) and decide what a failure means.

as_root() { if ((EUID == 0)); then "$@"; else sudo -n "$@"; fi; }
can_root() { ((EUID == 0)) || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; }
can_apt() { [[ $(uname -s) != Darwin ]] && command -v apt-get >/dev/null && can_root; }
apt_update() { log "apt-get update"; as_root apt-get update -q; }

# apt_install PKG...: refresh the package lists only when they are empty or do not know a
# package (and once more if the install fails); non-zero when it cannot install.
apt_install() {
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || ! apt-cache show "$@" >/dev/null 2>&1; then
    apt_update || return 1
  fi
  log "installing $* (apt-get)"
  local cmd=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@")
  as_root "${cmd[@]}" || { apt_update && as_root "${cmd[@]}"; }
}
