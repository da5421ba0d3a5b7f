#!/usr/bin/env bash
# The bastion mode of the lab, for the tests of ssh.proxy_jump:
#   bash test/lab/bastion.sh close HOST…   the hosts' sshd (port 22) answers only the bastion
#   bash test/lab/bastion.sh open HOST…    back to normal (also safe when nothing was closed)
# A rule in each host's own network namespace rejects (TCP reset: a direct connection fails
# at once with "connection refused") port 22 from every address but the bastion's. Only
# sshd is closed: the balancer still reaches the apps on their port, and the tests still
# reach each host's dockerd through its unix socket. The rules live in the hosts'
# namespaces, so a teardown (which deletes them) leaves none behind.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
lab_require_root
mode=${1:-}
shift || true
[[ $mode == close || $mode == open ]] && [ $# -gt 0 ] || lab_die "usage: bastion.sh close|open HOST…"
BASTION_IP=$(lab_host_ip bastion)
rule=(INPUT -p tcp --dport 22 ! -s "$BASTION_IP" -m comment --comment "$LAB_BASTION_IPT_COMMENT" -j REJECT --reject-with tcp-reset)
for h in "$@"; do
  [[ $h =~ $LAB_NS_RE && $h != bastion ]] || lab_die "not a lab host: $h"
  [ -e "/run/netns/$h" ] || lab_die "host $h is not up"
  in_ns=(nsenter "--net=/run/netns/$h" --)
  # open: every copy of the rule goes; close: exactly one copy
  while "${in_ns[@]}" iptables -w -C "${rule[@]}" 2>/dev/null; do "${in_ns[@]}" iptables -w -D "${rule[@]}"; done
  if [ "$mode" = close ]; then "${in_ns[@]}" iptables -w -I "${rule[@]}"; fi
done
