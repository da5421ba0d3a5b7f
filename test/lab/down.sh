#!/usr/bin/env bash
# Tears the bluegreen test lab down: `sudo bash test/lab/down.sh [--purge]`.
# Works on a running lab and on a half-torn-down one (dead daemons, leftover
# namespaces, links, the iptables rule). Keeps the registry storage, image
# stamps and ssh keys under $LAB_DIR as a cache for the next up; --purge
# removes $LAB_DIR entirely.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
PURGE=
case "${1:-}" in
--purge) PURGE=--purge ;;
'') ;;
*) lab_die "usage: down.sh [--purge]" ;;
esac
lab_require_root
T0=$(lab_now)
if [ -d "$LAB_DIR" ]; then
  exec 9>"$LAB_DIR/.lock"
  flock -w 120 9 || lab_die "another up/down holds $LAB_DIR/.lock"
fi
lab_teardown $PURGE
left=$(lab_leftovers)
if [ -n "$left" ]; then
  lab_log "left behind:"
  printf '%s\n' "$left" >&2
  exit 1
fi
lab_log "lab is down in $(lab_elapsed "$T0")s${PURGE:+ (purged $LAB_DIR)}"
