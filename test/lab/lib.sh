# shellcheck shell=bash disable=SC2034
# Shared functions of the bluegreen test lab (sourced by up.sh, down.sh, status.sh).
#
# The lab: one Linux bridge (bglab0, 10.88.0.1/24) in the root namespace, one
# network namespace per "host" (dockerhost = the nginx balancer, greenhostNN,
# bluehostNN), each with its own sshd and its own dockerd, a plain-HTTP registry
# on 10.88.0.1:5000 and a real nginx in dockerhost. Everything the lab creates
# carries one of its own names (bglab0, bgl-*, the namespace names, LAB_DIR,
# the /bglab cgroup, the "bluegreen-lab" iptables comment) so a later run can
# find and clear a half-torn-down lab.
#
# Network rule: no traffic leaves the machine. Hosts get no default route,
# every dockerd runs with --bridge=none --iptables=false --ip-masq=false, and
# containers use --network host.

LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=${LAB_DIR:-/var/lib/bluegreen-lab}
LAB_DIR=${LAB_DIR%/}
LAB_BRIDGE=bglab0
LAB_BRIDGE_MAC=02:b9:0a:58:00:01
LAB_NET=10.88.0
LAB_BRIDGE_IP=$LAB_NET.1
LAB_REGISTRY=$LAB_BRIDGE_IP:5000
# the same storage behind htpasswd authentication (user bluegreen-ci, password in LAB_DIR)
LAB_REGISTRY_AUTH=$LAB_BRIDGE_IP:5002
LAB_VETH_PREFIX=bgl-
LAB_CGROUP=bglab
LAB_IPT_COMMENT=bluegreen-lab
LAB_MAX_POOL=40
LAB_NS_RE='^(dockerhost|haproxyhost|lb2|lb3|apachehost|bastion|caddyhost|caddyhost2|greenhost[0-9]{2}|bluehost[0-9]{2})$'
# balancer hosts with sshd and a balancer installed on the host, no dockerd
LAB_BALANCER_HOSTS=(haproxyhost lb2 lb3 apachehost caddyhost caddyhost2)
# jump hosts (bastions): sshd only, nothing else; test/lab/bastion.sh can make one the only
# way to the pool hosts' sshd
LAB_JUMP_HOSTS=(bastion)
LAB_BASTION_IPT_COMMENT=bluegreen-lab-bastion
# the HAProxy container on dockerhost listens here (the nginx container has port 80)
LAB_HAPROXY_CONTAINER_PORT=8080
# where the apps' syslog driver sends their logs (a small UDP receiver in the root namespace)
LAB_SYSLOG_IP=$LAB_BRIDGE_IP
LAB_SYSLOG_PORT=5514
LAB_SSH_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DOCKER_BUILDKIT=0 # pitfall 7: the docker CLI may be newer than the daemon and lack buildx

lab_log() { printf '[lab %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
lab_die() {
  lab_log "ERROR: $*"
  exit 1
}

lab_now() { date +%s.%N; }
# lab_elapsed START -> seconds since START with one decimal
lab_elapsed() { awk -v s="$1" -v e="$(lab_now)" 'BEGIN { printf "%.1f", e - s }'; }

# lab_render TEMPLATE [KEY=VALUE…]: test/lab/templates/TEMPLATE with each {{KEY}} replaced
lab_render() {
  local text kv
  text=$(<"$LAB_HERE/templates/$1")
  shift
  for kv in "$@"; do text=${text//"{{${kv%%=*}}}"/"${kv#*=}"}; done
  [[ $text != *'{{'* ]] || lab_die "template $1: unreplaced placeholder in: $(grep -o '{{[A-Z_]*}}' <<<"$text" | sort -u | tr '\n' ' ')"
  printf '%s\n' "$text"
}

# lab_wait_for TIMEOUT_S WHAT COMMAND…: retries COMMAND every 50 ms until it succeeds
lab_wait_for() {
  local deadline=$(($(date +%s) + $1)) what=$2 t=$1
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || lab_die "$what did not come up within ${t}s"
    sleep 0.05
  done
}

# lab_in_registry REPO TAG: the lab registry holds REPO:TAG
lab_in_registry() {
  curl -sf -o /dev/null -I \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$LAB_REGISTRY/v2/$1/manifests/$2"
}

lab_require_root() {
  [ "$(uname -s)" = Linux ] || lab_die "the lab needs Linux"
  [ "$(id -u)" = 0 ] || lab_die "the lab needs root: run it with sudo"
}

# ---------------------------------------------------------------- packages
# lab_ensure_packages: installs the Debian package of every missing binary.
# Services that packages would start (system dockerd with its default bridge,
# sshd on :22, nginx, apache2 and caddy on :80) are kept from starting with a temporary
# policy-rc.d, so the network rule holds on a fresh machine too.
lab_ensure_packages() {
  local -a need=()
  local pair bin pkg
  for pair in ip:iproute2 iptables:iptables nsenter:util-linux unshare:util-linux setsid:util-linux \
    flock:util-linux /usr/sbin/sshd:openssh-server ssh:openssh-client ssh-keygen:openssh-client \
    dockerd:docker.io containerd:containerd runc:runc docker-init:tini docker:docker.io \
    docker-registry:docker-registry nginx:nginx haproxy:haproxy /usr/sbin/apache2:apache2 caddy:caddy socat:socat curl:curl ps:procps fuser:psmisc \
    htpasswd:apache2-utils ss:iproute2 \
    node:nodejs tar:tar ldd:libc-bin timeout:coreutils awk:mawk; do
    bin=${pair%%:*} pkg=${pair#*:}
    if [ "${bin#/}" != "$bin" ]; then [ -x "$bin" ] && continue; else command -v "$bin" >/dev/null 2>&1 && continue; fi
    # docker-init ships in docker.io on some releases and in tini on others
    if [ "$bin" = docker-init ] && { [ -x /usr/bin/docker-init ] || [ -x /usr/libexec/docker/docker-init ]; }; then continue; fi
    case " ${need[*]} " in *" $pkg "*) ;; *) need+=("$pkg") ;; esac
  done
  [ ${#need[@]} -eq 0 ] && return 0
  lab_log "installing missing packages: ${need[*]}"
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# bluegreen-lab: keep services from starting during install\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  local rc=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" ||
      { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"; }
  } >&2 || rc=$?
  [ "$created_policy" = 1 ] && rm -f "$policy"
  [ "$rc" = 0 ] || lab_die "apt-get install ${need[*]} failed"
}

# ---------------------------------------------------------------- hosts
# lab_host_ip NAME -> the host's address
lab_host_ip() {
  case "$1" in
  dockerhost) echo "$LAB_NET.2" ;;
  haproxyhost) echo "$LAB_NET.3" ;;
  lb2) echo "$LAB_NET.4" ;;
  lb3) echo "$LAB_NET.5" ;;
  apachehost) echo "$LAB_NET.6" ;;
  bastion) echo "$LAB_NET.7" ;;
  caddyhost) echo "$LAB_NET.8" ;;
  caddyhost2) echo "$LAB_NET.9" ;;
  greenhost[0-9][0-9]) echo "$LAB_NET.$((10 + 10#${1#greenhost}))" ;;
  bluehost[0-9][0-9]) echo "$LAB_NET.$((60 + 10#${1#bluehost}))" ;;
  *) return 1 ;;
  esac
}
lab_pool_names() { # POOL COUNT
  local i
  for ((i = 0; i < $2; i++)); do printf '%s%02d\n' "$1host" "$i"; done
}
lab_host_dir() { echo "$LAB_DIR/$1"; }
lab_host_sock() { echo "$LAB_DIR/$1/docker.sock"; }
lab_veth() { echo "$LAB_VETH_PREFIX$1"; } # at most 15 chars: bgl-greenhost00

# namespaces of ours that exist now, plus hosts recorded by the last up
lab_known_hosts() {
  {
    ip netns list 2>/dev/null | awk '{print $1}' | grep -E "$LAB_NS_RE" || true
    [ -f "$LAB_DIR/hosts.list" ] && awk '{print $1}' "$LAB_DIR/hosts.list"
    local d
    for d in "$LAB_DIR"/*/; do
      d=$(basename "$d")
      [[ $d =~ $LAB_NS_RE ]] && echo "$d"
    done
  } | sort -u
}

# ---------------------------------------------------------------- processes
# lab_pid_is PID PATTERN: PID is alive and its command line contains PATTERN
lab_pid_is() {
  local pid=$1 pat=$2 cmd
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *"$pat"* ]]
}
# lab_pidfile_pid FILE -> pid recorded in FILE (or nothing)
lab_pidfile_pid() { if [ -f "$1" ]; then tr -dc '0-9' <"$1" || true; fi; }
# lab_signal_recorded FILE PATTERN SIGNAL: signal the recorded pid when it is still ours
lab_signal_recorded() {
  local pid
  pid=$(lab_pidfile_pid "$1")
  if [ -n "$pid" ] && lab_pid_is "$pid" "$2"; then
    kill "-$3" "$pid" 2>/dev/null || true
    echo "$pid"
  fi
}
lab_wait_gone() { # TIMEOUT_S PID...
  local t=$1 deadline p alive
  shift
  deadline=$(($(date +%s%N) + t * 1000000000))
  while :; do
    alive=0
    for p in "$@"; do [ -d "/proc/$p" ] && alive=1 && break; done
    [ $alive = 0 ] && return 0
    [ "$(date +%s%N)" -ge $deadline ] && return 1
    sleep 0.05
  done
}
lab_ns_pids() { ip netns pids "$1" 2>/dev/null || true; }

# processes in our cgroup tree (containers of the lab daemons)
lab_cgroup_pids() {
  local f
  for f in /sys/fs/cgroup/*/"$LAB_CGROUP" /sys/fs/cgroup/"$LAB_CGROUP"; do
    [ -d "$f" ] || continue
    find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -u
}
# daemons whose command line names LAB_DIR (our dockerd, containerd, shims, sshd,
# nginx, registry); nothing else is matched
lab_dir_pids() {
  local p cmd
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = $$ ] && continue
    case "$(cat "/proc/$p/comm" 2>/dev/null)" in
    dockerd | containerd | containerd-shim* | sshd | nginx | haproxy | apache2 | caddy | docker-registry | registry | node) ;;
    *) continue ;;
    esac
    cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
    case "$cmd" in *"$LAB_DIR/"*) echo "$p" ;; esac
  done
}

# ---------------------------------------------------------------- teardown
# lab_stop_host NAME: stop everything of one host, gently first.
lab_stop_host() {
  local h=$1 d sock pids=() p
  d=$(lab_host_dir "$h")
  sock=$(lab_host_sock "$h")
  # 1. containers first (pitfall 9: shims outlive a killed dockerd)
  p=$(lab_pidfile_pid "$d/dockerd.pid")
  if [ -n "$p" ] && lab_pid_is "$p" dockerd && [ -S "$sock" ]; then
    local ids
    # 0. a host in swarm mode (test/lab/swarm.sh) leaves it: Swarm would restart its tasks
    if [ "$(DOCKER_HOST="unix://$sock" timeout 5 docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" = active ]; then
      DOCKER_HOST="unix://$sock" timeout 15 docker swarm leave --force >/dev/null 2>&1 || true
    fi
    ids=$(DOCKER_HOST="unix://$sock" timeout 5 docker ps -q 2>/dev/null || true)
    if [ -n "$ids" ]; then
      # shellcheck disable=SC2086
      DOCKER_HOST="unix://$sock" timeout 10 docker kill $ids >/dev/null 2>&1 || true
    fi
  fi
  # 2. daemons by recorded pid
  for p in $(lab_signal_recorded "$d/dockerd.pid" dockerd TERM) \
    $(lab_signal_recorded "$d/sshd.pid" sshd TERM) \
    $(lab_signal_recorded "$d/nginx/nginx.pid" nginx TERM) \
    $(lab_signal_recorded "$d/haproxy/haproxy.pid" haproxy TERM) \
    $(lab_signal_recorded "$d/apache/apache2.pid" apache2 TERM) \
    $(lab_signal_recorded "$d/caddy/caddy.pid" caddy TERM); do
    pids+=("$p")
  done
  if [ ${#pids[@]} -gt 0 ]; then lab_wait_gone 10 "${pids[@]}" || true; fi
  # 3. whatever is left inside the namespace (shims, containers, ssh sessions)
  if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$h"; then
    local left
    left=$(lab_ns_pids "$h")
    if [ -n "$left" ]; then
      # shellcheck disable=SC2086
      kill -TERM $left 2>/dev/null || true
      # shellcheck disable=SC2086
      lab_wait_gone 2 $left || { kill -KILL $left 2>/dev/null || true; lab_wait_gone 5 $left || true; }
    fi
    ip netns delete "$h" 2>/dev/null || true
  fi
  ip link delete "$(lab_veth "$h")" 2>/dev/null || true
}

# lab_rm_shim_sockets NAME: a SIGKILLed containerd shim leaves its socket in
# /run/containerd/s, named sha256("<containerd.sock>/moby/<container id>"); remove
# those of this host's containers (only when no process holds them).
lab_rm_shim_sockets() {
  local d id f
  d=$(lab_host_dir "$1")
  [ -d /run/containerd/s ] && [ -d "$d/docker/containers" ] || return 0
  for id in "$d"/docker/containers/*/; do
    id=$(basename "$id")
    [[ $id =~ ^[0-9a-f]{64}$ ]] || continue
    f=/run/containerd/s/$(printf '%s' "$d/run/containerd/containerd.sock/moby/$id" | sha256sum | cut -d' ' -f1)
    [ -S "$f" ] || continue
    fuser -s "$f" 2>/dev/null || rm -f "$f"
  done
}

lab_iptables_rule_del() {
  command -v iptables >/dev/null 2>&1 || return 0
  while iptables -w -C FORWARD -i "$LAB_BRIDGE" -o "$LAB_BRIDGE" -m comment --comment "$LAB_IPT_COMMENT" -j ACCEPT 2>/dev/null; do
    iptables -w -D FORWARD -i "$LAB_BRIDGE" -o "$LAB_BRIDGE" -m comment --comment "$LAB_IPT_COMMENT" -j ACCEPT || break
  done
  # the same rule without the comment names our bridge too
  while iptables -w -C FORWARD -i "$LAB_BRIDGE" -o "$LAB_BRIDGE" -j ACCEPT 2>/dev/null; do
    iptables -w -D FORWARD -i "$LAB_BRIDGE" -o "$LAB_BRIDGE" -j ACCEPT || break
  done
}

# lab_teardown [--purge]: clears every piece of the lab, running or half torn down.
lab_teardown() {
  local purge=0 h p
  [ "${1:-}" = --purge ] && purge=1
  local -a hosts
  mapfile -t hosts < <(lab_known_hosts)
  # hosts in parallel
  local -a stoppers=()
  for h in "${hosts[@]}"; do
    lab_stop_host "$h" &
    stoppers+=($!)
  done
  # the registries (root namespace) at the same time: they drain for ~2 s
  for p in registry registry-auth; do
    (
      p=$(lab_signal_recorded "$LAB_DIR/registry/$p.pid" "$LAB_DIR/registry" TERM)
      if [ -n "$p" ]; then lab_wait_gone 5 "$p" || kill -KILL "$p" 2>/dev/null || true; fi
    ) &
    stoppers+=($!)
  done
  p=$(lab_signal_recorded "$LAB_DIR/syslog/receiver.pid" "$LAB_DIR/syslog" TERM)
  if [ -n "$p" ]; then lab_wait_gone 2 "$p" || kill -KILL "$p" 2>/dev/null || true; fi
  for p in "${stoppers[@]}"; do wait "$p" || true; done
  # anything still naming LAB_DIR (e.g. daemons whose namespace was deleted
  # under them) and any process left in our cgroup tree
  local left
  left=$( (lab_dir_pids; lab_cgroup_pids) | sort -u | tr '\n' ' ')
  if [ -n "${left// /}" ]; then
    lab_log "killing leftover lab processes: $left"
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
    # shellcheck disable=SC2086
    lab_wait_gone 5 $left || true
  fi
  # mounts under LAB_DIR in this mount namespace (dockerd mounts in its own)
  awk -v d="$LAB_DIR/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  # cgroups made for our containers
  for p in /sys/fs/cgroup/*/"$LAB_CGROUP" /sys/fs/cgroup/"$LAB_CGROUP"; do
    if [ -d "$p" ]; then find "$p" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
  # namespaces whose processes are gone but were missed above
  for h in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "$LAB_NS_RE" || true); do
    ip netns delete "$h" 2>/dev/null || true
  done
  # links
  for p in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^$LAB_VETH_PREFIX" || true); do
    ip link delete "$p" 2>/dev/null || true
  done
  ip link delete "$LAB_BRIDGE" 2>/dev/null || true
  lab_iptables_rule_del
  # state (the registry storage, image stamps, keys are a cache kept unless --purge)
  if [ -d "$LAB_DIR" ]; then
    for h in "$LAB_DIR"/*/; do
      h=$(basename "$h")
      [[ $h =~ $LAB_NS_RE ]] || continue
      lab_rm_shim_sockets "$h"
      rm -rf "${LAB_DIR:?}/$h"
    done
    # empty runtime dirs the daemons made outside LAB_DIR (only those that were not there before up)
    if [ -f "$LAB_DIR/preexisting" ] && [ -z "$(lab_dir_pids)" ] && ! pgrep -x dockerd >/dev/null && ! pgrep -x containerd >/dev/null; then
      for p in /run/docker/plugins /run/docker /run/containerd/s /run/containerd; do
        grep -qx "$p" "$LAB_DIR/preexisting" || rmdir "$p" 2>/dev/null || true
      done
    fi
    rm -f "$LAB_DIR/preexisting"
    rm -rf "${LAB_DIR:?}/build" "${LAB_DIR:?}/home" "$LAB_DIR/lab.json" "$LAB_DIR/hosts.list" \
      "$LAB_DIR/known_hosts" "$LAB_DIR/registry/registry.pid" "$LAB_DIR/registry/registry-auth.pid" "${LAB_DIR:?}/syslog" "${LAB_DIR:?}/balancer"
    if [ $purge = 1 ]; then
      rm -rf "${LAB_DIR:?}"
    fi
  fi
}

# ---------------------------------------------------------------- checks
# lab_leftovers: prints every piece of the lab still present (nothing = clean)
lab_leftovers() {
  local h p
  for h in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "$LAB_NS_RE" || true); do echo "netns $h"; done
  ip link show "$LAB_BRIDGE" >/dev/null 2>&1 && echo "bridge $LAB_BRIDGE"
  for p in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^$LAB_VETH_PREFIX" || true); do echo "link $p"; done
  iptables -w -S FORWARD 2>/dev/null | grep -q -- "$LAB_BRIDGE" && echo "iptables rule in FORWARD"
  for p in $(lab_dir_pids) $(lab_cgroup_pids); do echo "process $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-100)"; done
  awk -v d="$LAB_DIR/" 'index($5, d) == 1 {print "mount " $5}' /proc/self/mountinfo
  for p in /sys/fs/cgroup/*/"$LAB_CGROUP"; do [ -d "$p" ] && echo "cgroup $p"; done
  return 0
}
