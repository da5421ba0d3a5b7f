#!/usr/bin/env bash
# Prints what of the bluegreen test lab is up: `sudo bash test/lab/status.sh`.
# Exit 0 when every recorded host answers (sshd, dockerd), 1 otherwise.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
lab_require_root
ok=0
# pss_of PID... -> summed PSS in KiB
pss_of() {
  local p sum=0 v
  for p in "$@"; do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null) || continue
    sum=$((sum + ${v:-0}))
  done
  echo $sum
}
printf 'LAB_DIR %s  lab.json: %s\n' "$LAB_DIR" "$([ -f "$LAB_DIR/lab.json" ] && echo present || echo missing)"
if ip link show "$LAB_BRIDGE" >/dev/null 2>&1; then echo "bridge $LAB_BRIDGE: up ($LAB_BRIDGE_IP)"; else echo "bridge $LAB_BRIDGE: absent"; ok=1; fi
rp=$(lab_pidfile_pid "$LAB_DIR/registry/registry.pid")
if [ -n "$rp" ] && lab_pid_is "$rp" "$LAB_DIR/registry"; then
  printf 'registry %s: pid %s, %s, PSS %d MiB\n' "$LAB_REGISTRY" "$rp" \
    "$(curl -sf -o /dev/null -w 'HTTP %{http_code}' "http://$LAB_REGISTRY/v2/" || echo 'not answering')" $(($(pss_of "$rp") / 1024))
  printf '  repositories: %s\n' "$(curl -sf "http://$LAB_REGISTRY/v2/_catalog" || echo '?')"
else
  echo "registry: down"
fi
iptables -w -S FORWARD 2>/dev/null | grep -- "$LAB_BRIDGE" | sed 's/^/iptables: /'
printf '%-12s %-11s %-6s %-7s %-8s %-6s %-10s %s\n' HOST ADDRESS PIDS SSHD DOCKERD CTRS PSS_MiB EXTRA
total=0
for h in $(lab_known_hosts); do
  d=$(lab_host_dir "$h")
  ns_pids=$(lab_ns_pids "$h" | tr "\n" " ")
  np=$(wc -w <<<"$ns_pids")
  sp=$(lab_pidfile_pid "$d/sshd.pid")
  s=down; [ -n "$sp" ] && lab_pid_is "$sp" sshd && s=up
  dp=$(lab_pidfile_pid "$d/dockerd.pid")
  dk=down; c=-
  if [ -n "$dp" ] && lab_pid_is "$dp" dockerd; then
    dk=alive
    if c=$(DOCKER_HOST="unix://$(lab_host_sock "$h")" timeout 5 docker ps -q 2>/dev/null | wc -l); then dk=up; else c=-; fi
  fi
  nodocker=0
  case " ${LAB_BALANCER_HOSTS[*]} ${LAB_JUMP_HOSTS[*]} " in *" $h "*) nodocker=1 dk=- ;; esac
  [ "$s" = up ] && { [ "$dk" = up ] || [ $nodocker = 1 ]; } || ok=1
  # shellcheck disable=SC2086
  pss=$(pss_of $ns_pids)
  total=$((total + pss))
  extra=
  if [ "$h" = haproxyhost ]; then
    hp=$(lab_pidfile_pid "$d/haproxy/haproxy.pid")
    if [ -n "$hp" ] && lab_pid_is "$hp" haproxy; then extra="haproxy master $hp, workers $(ps -o pid= --ppid "$hp" | tr -s ' \n' ' ')"; else extra="haproxy down"; ok=1; fi
  fi
  if [ "$h" = apachehost ]; then
    ap=$(lab_pidfile_pid "$d/apache/apache2.pid")
    if [ -n "$ap" ] && lab_pid_is "$ap" apache2; then extra="apache2 parent $ap, children $(ps -o pid= --ppid "$ap" | tr -s ' \n' ' ')"; else extra="apache2 down"; ok=1; fi
  fi
  if [ "$h" = caddyhost ] || [ "$h" = caddyhost2 ]; then
    cp=$(lab_pidfile_pid "$d/caddy/caddy.pid")
    if [ -n "$cp" ] && lab_pid_is "$cp" caddy; then extra="caddy pid $cp"; else extra="caddy down"; ok=1; fi
  fi
  if [ "$h" = dockerhost ] || [ "$h" = lb2 ]; then
    np2=$(lab_pidfile_pid "$d/nginx/nginx.pid")
    if [ -n "$np2" ] && lab_pid_is "$np2" nginx; then extra="nginx pid $np2"; else extra="nginx down"; ok=1; fi
  fi
  printf '%-12s %-11s %-6s %-7s %-8s %-6s %-10s %s\n' "$h" "$(lab_host_ip "$h")" "$np" "$s" "$dk" "$c" $((pss / 1024)) "$extra"
done
echo "total PSS of lab hosts: $((total / 1024)) MiB"
exit $ok
