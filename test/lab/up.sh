#!/usr/bin/env bash
# Brings up the bluegreen test lab: `sudo bash test/lab/up.sh [N_GREEN=3] [N_BLUE=3]`.
# Idempotent: clears whatever is left of an earlier lab (running or half torn down) first.
# Writes $LAB_DIR/lab.json (LAB_DIR defaults to /var/lib/bluegreen-lab), which
# test/harness/lab.ts describes. See lib.sh for the layout and the network rule; the
# config files of the daemons are templates in test/lab/templates/.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

N_GREEN=${1:-3}
N_BLUE=${2:-3}
[[ $N_GREEN =~ ^[0-9]+$ && $N_BLUE =~ ^[0-9]+$ ]] || lab_die "usage: up.sh [N_GREEN] [N_BLUE]"
((N_GREEN <= LAB_MAX_POOL && N_BLUE <= LAB_MAX_POOL)) || lab_die "at most $LAB_MAX_POOL hosts per pool"

lab_require_root
T0=$(lab_now)
declare -a TIMINGS=()
phase_start() { PHASE=$1 PT=$(lab_now); lab_log "== $PHASE"; }
phase_end() {
  local e
  e=$(lab_elapsed "$PT")
  TIMINGS+=("$(printf '%-10s %5ss' "$PHASE" "$e")")
  lab_log "   $PHASE done in ${e}s"
}

# The daemons started below must not inherit a lock held by whoever started this script
# (e.g. `flock LOCK bash up.sh` without -o): they would hold it for the lab's lifetime.
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  case $fd in 0 | 1 | 2 | 255) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
done
mkdir -p "$LAB_DIR"
# The lock fd (9) is closed for every daemon started below, or they would hold it.
exec 9>"$LAB_DIR/.lock"
flock -w 120 9 || lab_die "another up/down holds $LAB_DIR/.lock"

phase_start prereqs
lab_ensure_packages
phase_end

phase_start cleanup
# shellcheck disable=SC2119
lab_teardown
phase_end

# ------------------------------------------------------------------ network
phase_start network
# Hosts with sshd and dockerd: the pools, and dockerhost (the classic balancer host, whose
# nginx and HAProxy run as containers). Hosts with sshd and a balancer installed on them,
# no dockerd: LAB_BALANCER_HOSTS (HAProxy on haproxyhost, nginx on lb2 and lb3, Apache httpd
# on apachehost, Caddy on caddyhost and caddyhost2).
HOSTS=(dockerhost)
mapfile -t GREEN < <(lab_pool_names green "$N_GREEN")
mapfile -t BLUE < <(lab_pool_names blue "$N_BLUE")
HOSTS+=("${GREEN[@]}" "${BLUE[@]}")
LBS=("${LAB_BALANCER_HOSTS[@]}")
# Hosts with sshd alone: the bastion (test/lab/bastion.sh closes the pool hosts' sshd to all
# but it, for the tests of ssh.proxy_jump).
JUMPS=("${LAB_JUMP_HOSTS[@]}")
# Directories dockerd/containerd create outside LAB_DIR: remember which existed before us,
# so teardown removes only its own.
if [ ! -f "$LAB_DIR/preexisting" ]; then
  for x in /run/docker/plugins /run/docker /run/containerd/s /run/containerd; do [ -e "$x" ] && echo "$x"; done >"$LAB_DIR/preexisting"
fi
mkdir -p "$LAB_DIR/cache/hostkeys" "$LAB_DIR/home" "$LAB_DIR/registry/data" "$LAB_DIR/registry/stamps" /run/sshd
chmod 700 "$LAB_DIR" "$LAB_DIR/home"
: >"$LAB_DIR/hosts.list"
for h in "${HOSTS[@]}" "${LBS[@]}" "${JUMPS[@]}"; do echo "$h $(lab_host_ip "$h")" >>"$LAB_DIR/hosts.list"; done

# A fixed MAC: otherwise the bridge takes the lowest MAC of its ports, which changes as
# veths join, and hosts keep stale ARP entries for the bridge address.
ip link add "$LAB_BRIDGE" address "$LAB_BRIDGE_MAC" type bridge
ip link set "$LAB_BRIDGE" type bridge stp_state 0 forward_delay 0 2>/dev/null || true
sysctl -qw "net.ipv6.conf.$LAB_BRIDGE.disable_ipv6=1" 2>/dev/null || true
ip addr add "$LAB_BRIDGE_IP/24" dev "$LAB_BRIDGE"
ip link set "$LAB_BRIDGE" up
for h in "${HOSTS[@]}" "${LBS[@]}" "${JUMPS[@]}"; do
  ip netns add "$h"
  v=$(lab_veth "$h")
  ip link add "$v" type veth peer name eth0 netns "$h"
  sysctl -qw "net.ipv6.conf.$v.disable_ipv6=1" 2>/dev/null || true
  ip link set "$v" master "$LAB_BRIDGE" up
  ip -n "$h" link set lo up
  ip netns exec "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
  ip -n "$h" addr add "$(lab_host_ip "$h")/24" dev eth0
  ip -n "$h" link set eth0 up
  # No default route: only the lab subnet and loopback are reachable.
done
# br_netfilter with a DROP policy on FORWARD (left by any earlier default dockerd) would
# drop host-to-host traffic over the bridge: one ACCEPT rule scoped to our bridge.
if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] &&
  [ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables)" = 1 ] &&
  ! iptables -w -S FORWARD 2>/dev/null | grep -qx -- '-P FORWARD ACCEPT'; then
  iptables -w -I FORWARD -i "$LAB_BRIDGE" -o "$LAB_BRIDGE" -m comment --comment "$LAB_IPT_COMMENT" -j ACCEPT 2>/dev/null ||
    iptables -w -I FORWARD -i "$LAB_BRIDGE" -o "$LAB_BRIDGE" -j ACCEPT
  lab_log "   FORWARD policy is not ACCEPT: added a scoped ACCEPT rule for $LAB_BRIDGE"
fi
phase_end

# ------------------------------------------------------------------ registry, syslog
phase_start registry
lab_render registry.yml LAB_DIR="$LAB_DIR" ADDR="$LAB_REGISTRY" >"$LAB_DIR/registry/config.yml"
setsid docker-registry serve "$LAB_DIR/registry/config.yml" </dev/null >>"$LAB_DIR/registry/registry.log" 2>&1 9>&- &
echo $! >"$LAB_DIR/registry/registry.pid"
# The same storage behind htpasswd (bcrypt) authentication, for the tests of credentials.
# Two users: bluegreen-ci (the CI's, pushes) and bluegreen-pull (the hosts' pull-only one;
# the lab registry does not tell them apart, the tests check which one each side uses).
for u in password password-pull; do
  [ -f "$LAB_DIR/registry/$u" ] || head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$LAB_DIR/registry/$u"
  chmod 600 "$LAB_DIR/registry/$u"
done
{
  htpasswd -Bbn bluegreen-ci "$(cat "$LAB_DIR/registry/password")"
  htpasswd -Bbn bluegreen-pull "$(cat "$LAB_DIR/registry/password-pull")"
} >"$LAB_DIR/registry/htpasswd"
lab_render registry-auth.yml LAB_DIR="$LAB_DIR" ADDR="$LAB_REGISTRY_AUTH" >"$LAB_DIR/registry/config-auth.yml"
setsid docker-registry serve "$LAB_DIR/registry/config-auth.yml" </dev/null >>"$LAB_DIR/registry/registry-auth.log" 2>&1 9>&- &
echo $! >"$LAB_DIR/registry/registry-auth.pid"
# The apps log to syslog (--log-driver syslog) over UDP to the bridge address, as a
# production host logs to a central syslog server.
mkdir -p "$LAB_DIR/syslog"
setsid node "$HERE/syslog-receiver.mjs" "$LAB_SYSLOG_IP" "$LAB_SYSLOG_PORT" "$LAB_DIR/syslog/messages.log" \
  </dev/null >>"$LAB_DIR/syslog/receiver.log" 2>&1 9>&- &
echo $! >"$LAB_DIR/syslog/receiver.pid"
phase_end

# ------------------------------------------------------------------ hosts
phase_start hosts
[ -f "$LAB_DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C bluegreen-lab -f "$LAB_DIR/id_ed25519"
cp "$LAB_DIR/id_ed25519.pub" "$LAB_DIR/authorized_keys"
chmod 600 "$LAB_DIR/id_ed25519" "$LAB_DIR/authorized_keys"
: >"$LAB_DIR/known_hosts.tmp"

# mounts_for HOST: the bind mounts a host's sshd and dockerd see in their own mount
# namespaces (nothing leaks to the machine's own):
# - dockerhost: its own /root, so `docker run --volume=/root/nginx.conf:…` and a balancer
#   file at /root/nginx.conf are exactly what a user writes;
# - lb2, lb3: their own nginx directory at one shared path, $LAB_DIR/balancer, so one
#   bluegreen config with balancer.hosts [lb2, lb3] names the same file on both.
mounts_for() {
  local d
  d=$(lab_host_dir "$1")
  case "$1" in
  dockerhost) echo "mount --bind '$d/root' /root && " ;;
  lb2 | lb3) echo "mount --bind '$d/nginx' '$LAB_DIR/balancer' && " ;;
  esac
}

# All the hosts share this machine's CPUs, where real hosts have their own: an image pull
# (download and extraction, done by dockerd) on the idle pool, or the SSH sessions of a run,
# would take CPU from the live pool's containers and the balancer, which they never do in
# production. So the hosts' daemons (dockerd and sshd, with what they start) run in a cgroup
# of low CPU weight; the containers (--cgroup-parent /$LAB_CGROUP/HOST) keep the default
# weight. With no cgroup v1 cpu controller the daemons just run without it.
DAEMON_CPU=/sys/fs/cgroup/cpu/$LAB_CGROUP/daemons
if [ -d /sys/fs/cgroup/cpu ] && mkdir -p "$DAEMON_CPU" 2>/dev/null && echo 128 >"$DAEMON_CPU/cpu.shares"; then
  JOIN_DAEMON_CPU="echo \$\$ > '$DAEMON_CPU/cgroup.procs' && "
else
  JOIN_DAEMON_CPU=''
  lab_log "   no cgroup v1 cpu controller: image pulls on one host compete for CPU with the others' containers"
fi

start_host() { # NAME [sshonly]
  local h=$1 ip d sock key mnt
  ip=$(lab_host_ip "$h")
  d=$(lab_host_dir "$h")
  sock=$(lab_host_sock "$h")
  key="$LAB_DIR/cache/hostkeys/$h"
  mkdir -p "$d" "$d/root" "$d/nginx" "$LAB_DIR/balancer"
  [ -f "$key" ] || ssh-keygen -q -t ed25519 -N '' -C "$h" -f "$key"
  lab_render sshd_config HOST="$h" IP="$ip" HOST_KEY="$key" DIR="$d" LAB_DIR="$LAB_DIR" SOCK="$sock" \
    SSH_PATH="$LAB_SSH_PATH" >"$d/sshd_config"
  mnt=$(mounts_for "$h")
  # sshd needs an absolute path, no PAM and a log file (there is no syslog daemon).
  nsenter --net="/run/netns/$h" -- unshare --uts --mount --propagation slave -- \
    sh -c "${JOIN_DAEMON_CPU}${mnt}hostname $h && exec /usr/sbin/sshd -f '$d/sshd_config' -E '$d/sshd.log'" </dev/null >>"$d/sshd.log" 2>&1 9>&- ||
    { tail -n 20 "$d/sshd.log" >&2; lab_die "sshd of $h did not start"; }
  echo "$ip $(cut -d' ' -f1,2 "$key.pub")" >>"$LAB_DIR/known_hosts.tmp"
  [ "${2:-}" = sshonly ] && return 0
  # dockerd: its own mount namespace (`ip netns exec` would remount /sys and dockerd then
  # finds no devices cgroup), its own roots and socket, no bridge and no iptables (the
  # network rule: containers run --network host), and a per-daemon config file (only there
  # does 20.10 take deprecated-key-path; without it every daemon shares one daemon ID).
  printf '{\n  "deprecated-key-path": "%s"\n}\n' "$d/key.json" >"$d/daemon.json"
  setsid nsenter --net="/run/netns/$h" -- unshare --mount --propagation slave --uts -- \
    sh -c "${JOIN_DAEMON_CPU}${mnt}hostname $h && exec dockerd \
      --config-file '$d/daemon.json' \
      --data-root '$d/docker' --exec-root '$d/run' --pidfile '$d/dockerd.pid' \
      -H 'unix://$sock' \
      --bridge=none --iptables=false --ip-masq=false \
      --insecure-registry '$LAB_REGISTRY' --insecure-registry '$LAB_REGISTRY_AUTH' \
      --cgroup-parent '/$LAB_CGROUP/$h' \
      --log-level warn" \
    </dev/null >>"$d/dockerd.log" 2>&1 9>&- &
}
wait_docker() { # NAME TIMEOUT_S
  local sock deadline
  sock=$(lab_host_sock "$1")
  deadline=$(($(date +%s) + $2))
  until [ -S "$sock" ] && DOCKER_HOST="unix://$sock" docker info --format '{{.ID}}' >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge $deadline ]; then
      tail -n 20 "$(lab_host_dir "$1")/dockerd.log" >&2 || true
      lab_die "dockerd of $1 did not answer within $2 s"
    fi
    sleep 0.1
  done
}
for h in "${HOSTS[@]}"; do start_host "$h"; done
for h in "${LBS[@]}" "${JUMPS[@]}"; do start_host "$h" sshonly; done
sort -t. -k4 -n "$LAB_DIR/known_hosts.tmp" >"$LAB_DIR/known_hosts"
rm -f "$LAB_DIR/known_hosts.tmp"
phase_end

# ------------------------------------------------------------------ balancers on hosts
# nginx installed on lb2 and lb3 (its upstream in an included file, a pid file in a
# non-default place), HAProxy installed on haproxyhost in master-worker mode (-W: a reload
# is SIGUSR2 to the master, which hands the listening sockets to the new worker), Apache
# httpd installed on apachehost with its own config file (`apache2 -f`: a reload is
# `apache2 -f … -k graceful`; the balancer is the site file it includes).
phase_start balancers
start_host_nginx() { # HOST
  local h=$1 ng
  ng="$(lab_host_dir "$h")/nginx"
  mkdir -p "$ng/tmp"
  lab_render upstream-initial.conf >"$ng/upstream.conf"
  lab_render nginx-host.conf HOST="$h" IP="$(lab_host_ip "$h")" NG="$ng" >"$ng/nginx.conf"
  nsenter --net="/run/netns/$h" -- nginx -e "$ng/error.log" -c "$ng/nginx.conf" -t -q
  nsenter --net="/run/netns/$h" -- nginx -e "$ng/error.log" -c "$ng/nginx.conf" </dev/null >>"$ng/start.log" 2>&1 9>&- ||
    { cat "$ng/start.log" >&2; lab_die "nginx of $h did not start"; }
}
for h in lb2 lb3; do start_host_nginx "$h"; done
HP="$(lab_host_dir haproxyhost)/haproxy"
mkdir -p "$HP"
lab_render haproxy-host.cfg HOST=haproxyhost IP="$(lab_host_ip haproxyhost)" ADMIN_SOCKET="$HP/admin.sock" \
  BIND="$(lab_host_ip haproxyhost):80" >"$HP/haproxy.cfg"
haproxy -c -q -f "$HP/haproxy.cfg" || lab_die "haproxy -c rejected $HP/haproxy.cfg"
nsenter --net=/run/netns/haproxyhost -- haproxy -W -D -f "$HP/haproxy.cfg" -p "$HP/haproxy.pid" \
  </dev/null >>"$HP/start.log" 2>&1 9>&- || { cat "$HP/start.log" >&2; lab_die "haproxy did not start"; }
lab_wait_for 10 "haproxy on haproxyhost" test -S "$HP/admin.sock"
AP="$(lab_host_dir apachehost)/apache"
mkdir -p "$AP/run"
lab_render apache-host.conf HOST=apachehost IP="$(lab_host_ip apachehost)" AP="$AP" >"$AP/apache2.conf"
lab_render apache-site.conf HOST=apachehost IP="$(lab_host_ip apachehost)" >"$AP/site.conf"
apache2 -f "$AP/apache2.conf" -t >"$AP/start.log" 2>&1 || { cat "$AP/start.log" >&2; lab_die "apache2 -t rejected $AP/apache2.conf"; }
nsenter --net=/run/netns/apachehost -- apache2 -f "$AP/apache2.conf" -k start \
  </dev/null >>"$AP/start.log" 2>&1 9>&- || { cat "$AP/start.log" >&2; lab_die "apache2 did not start"; }
lab_wait_for 10 "apache2 on apachehost" test -s "$AP/apache2.pid"
# Caddy installed on caddyhost and caddyhost2, run with a JSON config whose reverse_proxy
# handler carries "@id": "app_server"; its admin API on localhost:2019 inside each namespace
# (their own loopback), config not persisted, its data and config directories its own. Each
# host hands the connections queued on a closing listener to the new one (tcp_migrate_req,
# per network namespace), as docs/balancers.md tells users of Caddy to: every config change
# replaces Caddy's listening sockets.
start_host_caddy() { # HOST
  local h=$1 cd
  cd="$(lab_host_dir "$h")/caddy"
  nsenter --net="/run/netns/$h" -- sysctl -qw net.ipv4.tcp_migrate_req=1 || lab_die "cannot set net.ipv4.tcp_migrate_req on $h (Linux 5.14 or later)"
  mkdir -p "$cd/data" "$cd/config"
  lab_render caddy-host.json BIND="$(lab_host_ip "$h"):80" >"$cd/caddy.json"
  caddy validate --config "$cd/caddy.json" >"$cd/start.log" 2>&1 || { cat "$cd/start.log" >&2; lab_die "caddy validate rejected $cd/caddy.json"; }
  setsid nsenter --net="/run/netns/$h" -- env HOME="$cd" XDG_DATA_HOME="$cd/data" XDG_CONFIG_HOME="$cd/config" \
    caddy run --config "$cd/caddy.json" --pidfile "$cd/caddy.pid" </dev/null >>"$cd/caddy.log" 2>&1 9>&- &
  lab_wait_for 10 "caddy on $h" nsenter --net="/run/netns/$h" -- curl -sf -o /dev/null http://localhost:2019/id/app_server
}
for h in caddyhost caddyhost2; do start_host_caddy "$h"; done
phase_end

# ------------------------------------------------------------------ wait for daemons
phase_start daemons
lab_wait_for 30 "the registry" curl -sf -o /dev/null "http://$LAB_REGISTRY/v2/"
lab_wait_for 30 "the registry with authentication" \
  curl -sf -o /dev/null -u "bluegreen-ci:$(cat "$LAB_DIR/registry/password")" "http://$LAB_REGISTRY_AUTH/v2/"
wait_docker dockerhost 60
phase_end

# ------------------------------------------------------------------ images
# Nothing can be pulled from Docker Hub here: every image is made from this machine's own
# binaries and the libraries `ldd` lists (docker import), pushed to the lab registry, and
# cached there (a stamp file says what it was built from).
phase_start images
DOCKER_HOST="unix://$(lab_host_sock dockerhost)"
export DOCKER_HOST
REG=$LAB_REGISTRY
declare -a PUSHES=()
# image_from_binaries NAME TAG SETUP_FN CMD_JSON SRC=DEST…: an image holding the binaries
# (copied to DEST) and the libraries ldd lists; the stamp names the binaries and the recipe.
# Sets STAMP. Queues a push (PUSHES) when it had to build.
image_from_binaries() {
  local name=$1 tag=$2 setup=$3 cmd=$4 pair src
  shift 4
  local ref="$REG/bluegreen-lab/$name:$tag"
  STAMP="$name:$tag $(for pair in "$@"; do src=$(readlink -f "${pair%%=*}"); echo "$src $(stat -c '%s %Y' "$src")"; done | tr '\n' ' ')$(declare -f image_from_binaries "$setup" | sha256sum | cut -c1-12)"
  if lab_in_registry "bluegreen-lab/$name" "$tag" && [ "$(cat "$LAB_DIR/registry/stamps/$name" 2>/dev/null)" = "$STAMP" ]; then
    lab_log "   $ref cached in the registry"
    return 0
  fi
  lab_log "   building $ref"
  local r="$LAB_DIR/build/$name" lib
  rm -rf "$r"
  mkdir -p "$r/tmp" "$r/etc" "$r/run"
  chmod 1777 "$r/tmp"
  for pair in "$@"; do
    src=$(readlink -f "${pair%%=*}")
    mkdir -p "$r$(dirname "${pair#*=}")"
    cp "$src" "$r${pair#*=}"
    for lib in $(ldd "$src" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
      mkdir -p "$r$(dirname "$lib")"
      cp -L "$lib" "$r$lib"
    done
  done
  printf 'root:x:0:0:root:/root:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nwww-data:x:33:\nnobody:x:65534:\nnogroup:x:65534:\n' >"$r/etc/group"
  "$setup" "$r"
  tar -C "$r" -cf - . | docker import --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin' \
    --change "CMD $cmd" - "$ref" >/dev/null
  rm -rf "$r"
  echo "$STAMP" >"$LAB_DIR/registry/stamps/$name.pending"
  PUSHES+=("$ref=$name")
}
setup_node() { :; }
setup_nginx() { # the directories of `nginx -V`'s compiled-in paths, and its mime types
  mkdir -p "$1/etc/nginx" "$1/var/log/nginx" "$1/var/lib/nginx" "$1/usr/share/nginx" "$1/var/lock"
  cp /etc/nginx/mime.types "$1/etc/nginx/"
}
setup_haproxy() { mkdir -p "$1/usr/local/etc/haproxy" "$1/run/haproxy" "$1/var/lib/haproxy"; }

image_from_binaries node-base latest setup_node '["/usr/bin/node"]' "$(command -v node)=/usr/bin/node"
BASE_IMAGE=$REG/bluegreen-lab/node-base:latest
BASE_STAMP=$STAMP
NGINX_IMAGE=$REG/bluegreen-lab/nginx:$(nginx -v 2>&1 | sed 's|.*/||')
image_from_binaries nginx "${NGINX_IMAGE##*:}" setup_nginx '["/usr/sbin/nginx","-g","daemon off;"]' /usr/sbin/nginx=/usr/sbin/nginx
HAPROXY_IMAGE=$REG/bluegreen-lab/haproxy:$(haproxy -v | awk 'NR==1 {print $3}' | cut -d- -f1)
image_from_binaries haproxy "${HAPROXY_IMAGE##*:}" setup_haproxy \
  '["/usr/sbin/haproxy","-W","-db","-f","/usr/local/etc/haproxy/haproxy.cfg"]' /usr/sbin/haproxy=/usr/sbin/haproxy

# The example app, with a vendored copy of its one dependency (ws).
APP_DIR="$REPO/examples/app"
bash "$APP_DIR/prepare.sh" >/dev/null
APP_HASH=$( (cd "$APP_DIR" && find . -type f ! -name '*.md' -print0 | sort -z | xargs -0 cat) | sha256sum | cut -c1-16)
build_app() { # VERSION GREETING
  local tag=$REG/hubuser/app:$1 stamp="$APP_HASH $BASE_STAMP $2"
  if lab_in_registry hubuser/app "$1" && [ "$(cat "$LAB_DIR/registry/stamps/app-$1" 2>/dev/null)" = "$stamp" ]; then
    lab_log "   $tag cached in the registry"
    return 0
  fi
  lab_log "   building $tag"
  local log="$LAB_DIR/dockerhost/build-$1.log"
  docker build --build-arg "BASE=$BASE_IMAGE" --build-arg "GREETING=$2" --build-arg "APP_VERSION=$1" \
    --label "org.bluegreen.lab.hash=$APP_HASH" -t "$tag" "$APP_DIR" >"$log" 2>&1 || { cat "$log" >&2; lab_die "docker build of $tag failed"; }
  echo "$stamp" >"$LAB_DIR/registry/stamps/app-$1.pending"
  PUSHES+=("$tag=app-$1")
}
build_app 1.0.0 "Hello World"
build_app 2.0.0 "Hello Webapps!"
PUSHERS=()
for p in "${PUSHES[@]}"; do
  docker push -q "${p%%=*}" >>"$LAB_DIR/dockerhost/push.log" 2>&1 &
  PUSHERS+=($!)
done
for i in "${!PUSHERS[@]}"; do
  p=${PUSHES[$i]}
  wait "${PUSHERS[$i]}" || { cat "$LAB_DIR/dockerhost/push.log" >&2; lab_die "docker push of ${p%%=*} failed"; }
  mv "$LAB_DIR/registry/stamps/${p#*=}.pending" "$LAB_DIR/registry/stamps/${p#*=}"
done
# The balancer images run on dockerhost (built there, or pulled from the cache), named as
# users name them on Docker Hub: `docker run … nginx`.
for ref in "$NGINX_IMAGE" "$HAPROXY_IMAGE"; do
  docker image inspect "$ref" >/dev/null 2>&1 || docker pull -q "$ref" >/dev/null || lab_die "docker pull $ref failed"
done
docker tag "$NGINX_IMAGE" nginx:latest
docker tag "$HAPROXY_IMAGE" haproxy:latest
phase_end

# ------------------------------------------------------------------ balancers in containers
# The classic setup on dockerhost, as users run it: nginx in a container named `balancer`
# with the whole nginx.conf bind-mounted as one file (reload: docker kill -s HUP balancer),
# and HAProxy in a container named `haproxy` with its directory mounted (reload: docker kill
# -s USR2 haproxy; the admin socket in a mounted directory so the host can drain servers).
phase_start containers
ROOT_DIR="$(lab_host_dir dockerhost)/root"
mkdir -p "$ROOT_DIR/haproxy" "$ROOT_DIR/haproxy-run"
chmod 755 "$ROOT_DIR" "$ROOT_DIR/haproxy"
lab_render nginx-classic.conf HOST=dockerhost IP="$(lab_host_ip dockerhost)" >"$ROOT_DIR/nginx.conf"
lab_render haproxy-classic.cfg HOST=dockerhost ADMIN_SOCKET=/run/haproxy/admin.sock \
  BIND="$(lab_host_ip dockerhost):$LAB_HAPROXY_CONTAINER_PORT" >"$ROOT_DIR/haproxy/haproxy.cfg"
docker run -d --name=balancer --network host --label bluegreen-lab.role=balancer \
  --volume=/root/nginx.conf:/etc/nginx/nginx.conf:ro nginx >/dev/null
docker run -d --name=haproxy --network host --label bluegreen-lab.role=balancer \
  --volume=/root/haproxy:/usr/local/etc/haproxy:ro --volume=/root/haproxy-run:/run/haproxy haproxy >/dev/null
lab_wait_for 10 "the balancer container" curl -s -o /dev/null "http://$(lab_host_ip dockerhost):80/"
lab_wait_for 10 "the haproxy container's admin socket" test -S "$ROOT_DIR/haproxy-run/admin.sock"
unset DOCKER_HOST
phase_end

# ------------------------------------------------------------------ wait for hosts
phase_start ready
WAITERS=()
for h in "${HOSTS[@]}"; do
  wait_docker "$h" 60 &
  WAITERS+=($!)
done
for j in "${WAITERS[@]}"; do wait "$j" || lab_die "a host did not come up"; done
for h in "${HOSTS[@]}" "${LBS[@]}" "${JUMPS[@]}"; do
  [ -n "$(lab_pidfile_pid "$(lab_host_dir "$h")/sshd.pid")" ] || lab_die "sshd of $h did not start"
done
# ssh works end to end on one host (key, known_hosts, DOCKER_HOST)
got=$(ssh -i "$LAB_DIR/id_ed25519" -o UserKnownHostsFile="$LAB_DIR/known_hosts" -o StrictHostKeyChecking=yes \
  -o BatchMode=yes -o ConnectTimeout=5 -F /dev/null "root@$(lab_host_ip "${HOSTS[-1]}")" 'echo $DOCKER_HOST') ||
  lab_die "ssh to ${HOSTS[-1]} failed"
[ "$got" = "unix://$(lab_host_sock "${HOSTS[-1]}")" ] || lab_die "ssh session on ${HOSTS[-1]} has DOCKER_HOST=$got"
phase_end

# ------------------------------------------------------------------ lab.json
UP_SECONDS=$(lab_elapsed "$T0")
LAB_GREEN="${GREEN[*]}" LAB_BLUE="${BLUE[*]}" LAB_UP_SECONDS=$UP_SECONDS LAB_DIR=$LAB_DIR \
  LAB_REGISTRY=$LAB_REGISTRY LAB_REGISTRY_AUTH=$LAB_REGISTRY_AUTH LAB_NGINX_IMAGE=$NGINX_IMAGE LAB_HAPROXY_IMAGE=$HAPROXY_IMAGE \
  LAB_HAPROXY_CONTAINER_PORT=$LAB_HAPROXY_CONTAINER_PORT LAB_SYSLOG_IP=$LAB_SYSLOG_IP LAB_SYSLOG_PORT=$LAB_SYSLOG_PORT \
  bash -c 'cd "$1" && node scripts/run-ts.mjs test/lab/lab-json.ts "$2"' _ "$REPO" "$LAB_DIR/lab.json"

lab_log "== timings"
for t in "${TIMINGS[@]}"; do lab_log "   $t"; done
lab_log "   total      ${UP_SECONDS}s (${#GREEN[@]} green + ${#BLUE[@]} blue + dockerhost + ${LBS[*]} ${JUMPS[*]})"
echo "$LAB_DIR/lab.json"
