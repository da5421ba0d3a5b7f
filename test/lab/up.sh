#!/usr/bin/env bash
# Brings up the bluegreen test lab: `sudo bash test/lab/up.sh [N_GREEN=3] [N_BLUE=3]`.
# Idempotent: clears whatever is left of an earlier lab (running or half torn
# down) first. Writes $LAB_DIR/lab.json (LAB_DIR defaults to /var/lib/bluegreen-lab).
# See lib.sh for the layout and the network rule.
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

mkdir -p "$LAB_DIR"
# the lock fd (9) is closed for every daemon started below, or they would hold it
exec 9>"$LAB_DIR/.lock"
flock -w 120 9 || lab_die "another up/down holds $LAB_DIR/.lock"

# ------------------------------------------------------------------ prereqs
phase_start prereqs
lab_ensure_packages
phase_end

# ------------------------------------------------------------------ stale
phase_start cleanup
# shellcheck disable=SC2119
lab_teardown
phase_end

# ------------------------------------------------------------------ network
phase_start network
HOSTS=(dockerhost)
mapfile -t GREEN < <(lab_pool_names green "$N_GREEN")
mapfile -t BLUE < <(lab_pool_names blue "$N_BLUE")
HOSTS+=("${GREEN[@]}" "${BLUE[@]}")
# hosts with an sshd and a balancer but no dockerd: HAProxy, and a second nginx
LBS=("${LAB_BALANCER_HOSTS[@]}")
# directories dockerd/containerd create outside LAB_DIR: remember which existed before us
if [ ! -f "$LAB_DIR/preexisting" ]; then
  for x in /run/docker/plugins /run/docker /run/containerd/s /run/containerd; do [ -e "$x" ] && echo "$x"; done >"$LAB_DIR/preexisting"
fi
mkdir -p "$LAB_DIR/cache/hostkeys" "$LAB_DIR/home" "$LAB_DIR/registry/data" "$LAB_DIR/registry/stamps" /run/sshd
chmod 700 "$LAB_DIR" "$LAB_DIR/home"
: >"$LAB_DIR/hosts.list"
for h in "${HOSTS[@]}" "${LBS[@]}"; do echo "$h $(lab_host_ip "$h")" >>"$LAB_DIR/hosts.list"; done

ip link add "$LAB_BRIDGE" address "$LAB_BRIDGE_MAC" type bridge # pitfall 6: fixed MAC
ip link set "$LAB_BRIDGE" type bridge stp_state 0 forward_delay 0 2>/dev/null || true
sysctl -qw "net.ipv6.conf.$LAB_BRIDGE.disable_ipv6=1" 2>/dev/null || true
ip addr add "$LAB_BRIDGE_IP/24" dev "$LAB_BRIDGE"
ip link set "$LAB_BRIDGE" up
for h in "${HOSTS[@]}" "${LBS[@]}"; do
  ip netns add "$h"
  v=$(lab_veth "$h")
  ip link add "$v" type veth peer name eth0 netns "$h"
  sysctl -qw "net.ipv6.conf.$v.disable_ipv6=1" 2>/dev/null || true
  ip link set "$v" master "$LAB_BRIDGE" up
  ip -n "$h" link set lo up
  ip netns exec "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
  ip -n "$h" addr add "$(lab_host_ip "$h")/24" dev eth0
  ip -n "$h" link set eth0 up
  # no default route: only the lab subnet and loopback are reachable
done
# pitfall 5: br_netfilter with a DROP policy on FORWARD drops host-to-host traffic
if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] &&
  [ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables)" = 1 ] &&
  ! iptables -w -S FORWARD 2>/dev/null | grep -qx -- '-P FORWARD ACCEPT'; then
  iptables -w -I FORWARD -i "$LAB_BRIDGE" -o "$LAB_BRIDGE" -m comment --comment "$LAB_IPT_COMMENT" -j ACCEPT 2>/dev/null ||
    iptables -w -I FORWARD -i "$LAB_BRIDGE" -o "$LAB_BRIDGE" -j ACCEPT
  lab_log "   FORWARD policy is not ACCEPT: added a scoped ACCEPT rule for $LAB_BRIDGE"
fi
phase_end

# ------------------------------------------------------------------ registry
phase_start registry
cat >"$LAB_DIR/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
  fields:
    service: bluegreen-lab-registry
storage:
  filesystem:
    rootdirectory: $LAB_DIR/registry/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $LAB_REGISTRY
  headers:
    X-Content-Type-Options: [nosniff]
EOF
setsid docker-registry serve "$LAB_DIR/registry/config.yml" </dev/null >>"$LAB_DIR/registry/registry.log" 2>&1 9>&- &
echo $! >"$LAB_DIR/registry/registry.pid"
phase_end

# ------------------------------------------------------------------ hosts
phase_start hosts
[ -f "$LAB_DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C bluegreen-lab -f "$LAB_DIR/id_ed25519"
cp "$LAB_DIR/id_ed25519.pub" "$LAB_DIR/authorized_keys"
chmod 600 "$LAB_DIR/id_ed25519" "$LAB_DIR/authorized_keys"
: >"$LAB_DIR/known_hosts.tmp"

start_host() { # NAME [sshonly]
  local h=$1 ip d sock key
  ip=$(lab_host_ip "$h")
  d=$(lab_host_dir "$h")
  sock=$(lab_host_sock "$h")
  key="$LAB_DIR/cache/hostkeys/$h"
  mkdir -p "$d"
  [ -f "$key" ] || ssh-keygen -q -t ed25519 -N '' -C "$h" -f "$key"
  # sshd (pitfall 4 and 18): its own config, keys and environment
  cat >"$d/sshd_config" <<EOF
# bluegreen lab: sshd of $h
ListenAddress $ip:22
HostKey $key
PidFile $d/sshd.pid
AuthorizedKeysFile $LAB_DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitUserRC no
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 200:30:400
MaxSessions 100
LogLevel INFO
Subsystem sftp internal-sftp
# no sntrup761 hybrid (the ssh client prefers it): it costs ~0.1 s of CPU per connection
KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group14-sha256
# HOME: a plain empty home, so bash does not source root's ~/.bashrc (pyenv) for every command
SetEnv DOCKER_HOST=unix://$sock HOME=$LAB_DIR/home PATH=$LAB_SSH_PATH DOCKER_BUILDKIT=0 BLUEGREEN_LAB_HOST=$h
EOF
  # The nginx balancers (dockerhost, lb2) show their own nginx dir at one shared path,
  # $LAB_DIR/balancer, to ssh sessions (a bind mount in sshd's own mount namespace): so one
  # bluegreen config with balancer.hosts [dockerhost, lb2] names the same file on both.
  local mnt=''
  if [ "$h" = dockerhost ] || [ "$h" = lb2 ]; then
    mkdir -p "$d/nginx" "$LAB_DIR/balancer"
    mnt="mount --bind '$d/nginx' '$LAB_DIR/balancer' && "
  fi
  nsenter --net="/run/netns/$h" -- unshare --uts --mount --propagation slave -- sh -c "${mnt}hostname $h && exec /usr/sbin/sshd -f '$d/sshd_config' -E '$d/sshd.log'" </dev/null >>"$d/sshd.log" 2>&1 9>&- ||
    { tail -n 20 "$d/sshd.log" >&2; lab_die "sshd of $h did not start"; }
  echo "$ip $(cut -d' ' -f1,2 "$key.pub")" >>"$LAB_DIR/known_hosts.tmp"
  [ "${2:-}" = sshonly ] && return 0
  # dockerd (pitfalls 1 and 2)
  printf '{\n  "deprecated-key-path": "%s"\n}\n' "$d/key.json" >"$d/daemon.json"
  setsid nsenter --net="/run/netns/$h" -- unshare --mount --propagation slave --uts -- \
    sh -c "hostname $h && exec dockerd \
      --config-file '$d/daemon.json' \
      --data-root '$d/docker' --exec-root '$d/run' --pidfile '$d/dockerd.pid' \
      -H 'unix://$sock' \
      --bridge=none --iptables=false --ip-masq=false \
      --insecure-registry '$LAB_REGISTRY' \
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
for h in "${LBS[@]}"; do start_host "$h" sshonly; done
sort -t. -k4 -n "$LAB_DIR/known_hosts.tmp" >"$LAB_DIR/known_hosts"
rm -f "$LAB_DIR/known_hosts.tmp"
phase_end

# ------------------------------------------------------------------ nginx
phase_start nginx
INITIAL_UPSTREAM='# managed by bluegreen
upstream app_server {
    server 127.0.0.1:9 down;
}
'
start_nginx() { # HOST: nginx on HOST:80 with its own files under $LAB_DIR/HOST/nginx
  local NG="$LAB_DIR/$1/nginx"
  mkdir -p "$NG/tmp"
  printf '%s' "$INITIAL_UPSTREAM" >"$NG/upstream.conf"
  cat >"$NG/nginx.conf" <<EOF
# bluegreen lab: the balancer on $1 ($(lab_host_ip "$1"))
user root;
worker_processes 2;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events {
    worker_connections 4096;
}
http {
    log_format lab '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent '
                   'upstream=\$upstream_addr upstream_status=\$upstream_status rt=\$request_time';
    access_log $NG/access.log lab;
    client_body_temp_path $NG/tmp/body;
    proxy_temp_path $NG/tmp/proxy;
    fastcgi_temp_path $NG/tmp/fastcgi;
    uwsgi_temp_path $NG/tmp/uwsgi;
    scgi_temp_path $NG/tmp/scgi;

    include $NG/upstream.conf;

    server {
        listen $(lab_host_ip "$1"):80;
        location / {
            proxy_pass http://app_server;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_connect_timeout 5s;
        }
    }
}
EOF
  nsenter --net="/run/netns/$1" -- nginx -e "$NG/error.log" -c "$NG/nginx.conf" -t -q
  nsenter --net="/run/netns/$1" -- nginx -e "$NG/error.log" -c "$NG/nginx.conf" </dev/null >>"$NG/start.log" 2>&1 9>&- ||
    { cat "$NG/start.log" >&2; lab_die "nginx of $1 did not start"; }
}
start_nginx dockerhost
start_nginx lb2
phase_end

# ------------------------------------------------------------------ haproxy
# HAProxy in haproxyhost, master-worker (-W): a reload is SIGUSR2 to the master, which
# re-executes and hands the listening sockets to the new worker (expose-fd listeners), so
# no connection is refused; the runtime API (admin socket) drains servers.
phase_start haproxy
HP="$LAB_DIR/haproxyhost/haproxy"
mkdir -p "$HP"
cat >"$HP/haproxy.cfg" <<EOF
# bluegreen lab: HAProxy on haproxyhost ($(lab_host_ip haproxyhost))
global
    stats socket $HP/admin.sock mode 600 level admin expose-fd listeners
    stats timeout 30s
    hard-stop-after 60s
    maxconn 8192

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 10s

frontend web
    bind $(lab_host_ip haproxyhost):80
    default_backend app_server

# managed by bluegreen: the server lines of this section
backend app_server
    balance roundrobin
    server initial 127.0.0.1:9 disabled
EOF
haproxy -c -q -f "$HP/haproxy.cfg" || lab_die "haproxy -c rejected $HP/haproxy.cfg"
nsenter --net=/run/netns/haproxyhost -- haproxy -W -D -f "$HP/haproxy.cfg" -p "$HP/haproxy.pid" \
  </dev/null >>"$HP/start.log" 2>&1 9>&- || { cat "$HP/start.log" >&2; lab_die "haproxy did not start"; }
deadline=$(($(date +%s) + 10))
until [ -S "$HP/admin.sock" ] && [ -n "$(lab_pidfile_pid "$HP/haproxy.pid")" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { cat "$HP/start.log" >&2; lab_die "haproxy did not open $HP/admin.sock"; }
  sleep 0.05
done
phase_end

# ------------------------------------------------------------------ wait for daemons
phase_start daemons
deadline=$(($(date +%s) + 30))
until curl -sf -o /dev/null "http://$LAB_REGISTRY/v2/"; do
  [ "$(date +%s)" -lt $deadline ] || { tail -n 20 "$LAB_DIR/registry/registry.log" >&2; lab_die "registry did not answer"; }
  sleep 0.05
done
wait_docker dockerhost 60
phase_end

# ------------------------------------------------------------------ images
phase_start images
DOCKER_HOST="unix://$(lab_host_sock dockerhost)"
export DOCKER_HOST
REG=$LAB_REGISTRY
BASE_IMAGE=$REG/bluegreen-lab/node-base:latest
in_registry() { # REPO TAG
  curl -sf -o /dev/null -I \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REG/v2/$1/manifests/$2"
}
NODE_BIN=$(readlink -f "$(command -v node)")
BASE_STAMP="node=$NODE_BIN $(stat -c '%s %Y' "$NODE_BIN") $("$NODE_BIN" --version)"
if in_registry bluegreen-lab/node-base latest &&
  [ "$(cat "$LAB_DIR/registry/stamps/node-base" 2>/dev/null)" = "$BASE_STAMP" ]; then
  lab_log "   base image cached in the registry"
else
  lab_log "   building the base image from $NODE_BIN"
  R="$LAB_DIR/build/rootfs"
  rm -rf "$LAB_DIR/build"
  mkdir -p "$R/usr/bin" "$R/tmp" "$R/etc" "$R/app"
  chmod 1777 "$R/tmp"
  cp "$NODE_BIN" "$R/usr/bin/node"
  for lib in $(ldd "$NODE_BIN" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
    mkdir -p "$R$(dirname "$lib")"
    cp -L "$lib" "$R$lib"
  done
  printf 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$R/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$R/etc/group"
  tar -C "$R" -cf - . | docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'CMD ["/usr/bin/node"]' \
    - bluegreen-lab/node-base:latest >/dev/null
  docker tag bluegreen-lab/node-base:latest "$BASE_IMAGE"
  rm -rf "$LAB_DIR/build"
  rm -f "$LAB_DIR/registry/stamps/app-"* "$LAB_DIR/registry/stamps/node-base"
  # push in the background while the app images build on the local base
  docker push -q "$BASE_IMAGE" >"$LAB_DIR/dockerhost/push-base.log" 2>&1 &
  BASE_PUSH=$!
fi
APP_DIR="$REPO/examples/app"
APP_HASH=$(cat "$APP_DIR/Dockerfile" "$APP_DIR/app.js" "$APP_DIR/package.json" | sha256sum | cut -c1-16)
build_app() { # VERSION GREETING
  local tag=$REG/hubuser/app:$1 stamp="$APP_HASH $BASE_STAMP $2"
  if in_registry hubuser/app "$1" && [ "$(cat "$LAB_DIR/registry/stamps/app-$1" 2>/dev/null)" = "$stamp" ]; then
    lab_log "   $tag cached in the registry"
    return 0
  fi
  lab_log "   building $tag"
  local log="$LAB_DIR/dockerhost/build-$1.log"
  docker build --build-arg "BASE=$BASE_IMAGE" --build-arg "GREETING=$2" --build-arg "APP_VERSION=$1" \
    --label "org.bluegreen.lab.hash=$APP_HASH" -t "$tag" "$APP_DIR" >"$log" 2>&1 || { cat "$log" >&2; lab_die "docker build of $tag failed"; }
  APP_PUSHES+=("$1")
}
APP_PUSHES=()
build_app 1.0.0 "Hello World"
build_app 2.0.0 "Hello Webapps!"
if [ -n "${BASE_PUSH:-}" ]; then
  wait "$BASE_PUSH" || { cat "$LAB_DIR/dockerhost/push-base.log" >&2; lab_die "docker push of $BASE_IMAGE failed"; }
  echo "$BASE_STAMP" >"$LAB_DIR/registry/stamps/node-base"
fi
push_app() { # VERSION
  local tag=$REG/hubuser/app:$1 log="$LAB_DIR/dockerhost/build-$1.log"
  docker push -q "$tag" >>"$log" 2>&1 || { cat "$log" >&2; return 1; }
}
PUSHERS=()
for v in "${APP_PUSHES[@]}"; do
  push_app "$v" &
  PUSHERS+=($!)
done
for i in "${!PUSHERS[@]}"; do
  wait "${PUSHERS[$i]}" || lab_die "docker push of $REG/hubuser/app:${APP_PUSHES[$i]} failed"
done
for v in "${APP_PUSHES[@]}"; do
  case $v in 1.0.0) g="Hello World" ;; 2.0.0) g="Hello Webapps!" ;; esac
  echo "$APP_HASH $BASE_STAMP $g" >"$LAB_DIR/registry/stamps/app-$v"
done
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
for h in "${HOSTS[@]}" "${LBS[@]}"; do
  [ -n "$(lab_pidfile_pid "$(lab_host_dir "$h")/sshd.pid")" ] || lab_die "sshd of $h did not start"
done
# prove ssh works end to end on one host (key, known_hosts, DOCKER_HOST)
got=$(ssh -i "$LAB_DIR/id_ed25519" -o UserKnownHostsFile="$LAB_DIR/known_hosts" -o StrictHostKeyChecking=yes \
  -o BatchMode=yes -o ConnectTimeout=5 -F /dev/null "root@$(lab_host_ip "${HOSTS[-1]}")" 'echo $DOCKER_HOST') ||
  lab_die "ssh to ${HOSTS[-1]} failed"
[ "$got" = "unix://$(lab_host_sock "${HOSTS[-1]}")" ] || lab_die "ssh session on ${HOSTS[-1]} has DOCKER_HOST=$got"
phase_end

# ------------------------------------------------------------------ lab.json
UP_SECONDS=$(lab_elapsed "$T0")
host_json() { # NAME...
  local h sep=''
  printf '['
  for h in "$@"; do
    printf '%s{ "name": "%s", "address": "%s", "dockerHost": "unix://%s" }' "$sep" "$h" "$(lab_host_ip "$h")" "$(lab_host_sock "$h")"
    sep=', '
  done
  printf ']'
}
# shellcheck disable=SC2016 # the script is JavaScript
LAB_JSON_HOSTS_GREEN=$(host_json "${GREEN[@]}") \
  LAB_JSON_HOSTS_BLUE=$(host_json "${BLUE[@]}") \
  LAB_JSON_INITIAL=$INITIAL_UPSTREAM LAB_JSON_UP=$UP_SECONDS LAB_DIR=$LAB_DIR LAB_REGISTRY=$LAB_REGISTRY \
  LAB_JSON_BALANCER_IP=$(lab_host_ip dockerhost) \
  LAB_JSON_HAPROXY_IP=$(lab_host_ip haproxyhost) LAB_JSON_LB2_IP=$(lab_host_ip lb2) \
  LAB_JSON_HAPROXY_INITIAL="$(cat "$LAB_DIR/haproxyhost/haproxy/haproxy.cfg")
" \
  node -e '
const e = process.env, d = e.LAB_DIR, ng = `${d}/dockerhost/nginx`, reg = e.LAB_REGISTRY;
const hp = `${d}/haproxyhost/haproxy`, ng2 = `${d}/lb2/nginx`;
const lab = {
  dir: d,
  registry: reg,
  sshUser: "root",
  sshKey: `${d}/id_ed25519`,
  knownHosts: `${d}/known_hosts`,
  buildDockerHost: `unix://${d}/dockerhost/docker.sock`,
  balancer: {
    name: "dockerhost",
    address: e.LAB_JSON_BALANCER_IP,
    url: `http://${e.LAB_JSON_BALANCER_IP}/`,
    file: `${ng}/upstream.conf`,
    conf: `${ng}/nginx.conf`,
    pidFile: `${ng}/nginx.pid`,
    test: `nginx -c ${ng}/nginx.conf -t`,
    reload: `nginx -c ${ng}/nginx.conf -s reload`,
    dockerHost: `unix://${d}/dockerhost/docker.sock`,
  },
  // more balancers (sshd + balancer, no dockerd): HAProxy, and a second nginx
  balancers: {
    haproxy: {
      name: "haproxyhost",
      address: e.LAB_JSON_HAPROXY_IP,
      url: `http://${e.LAB_JSON_HAPROXY_IP}/`,
      file: `${hp}/haproxy.cfg`,
      pidFile: `${hp}/haproxy.pid`,
      adminSocket: `${hp}/admin.sock`,
      test: `haproxy -c -f ${hp}/haproxy.cfg`,
      reload: `kill -USR2 "$(cat ${hp}/haproxy.pid)"`,
      initial: e.LAB_JSON_HAPROXY_INITIAL,
    },
    // the same paths on dockerhost and lb2 over ssh (each sees its own nginx files there)
    shared: {
      file: `${d}/balancer/upstream.conf`,
      pidFile: `${d}/balancer/nginx.pid`,
      test: `nginx -c ${d}/balancer/nginx.conf -t`,
      reload: `nginx -c ${d}/balancer/nginx.conf -s reload`,
    },
    nginx2: {
      name: "lb2",
      address: e.LAB_JSON_LB2_IP,
      url: `http://${e.LAB_JSON_LB2_IP}/`,
      file: `${ng2}/upstream.conf`,
      conf: `${ng2}/nginx.conf`,
      pidFile: `${ng2}/nginx.pid`,
      test: `nginx -c ${ng2}/nginx.conf -t`,
      reload: `nginx -c ${ng2}/nginx.conf -s reload`,
      initial: e.LAB_JSON_INITIAL,
    },
  },
  hosts: { green: JSON.parse(e.LAB_JSON_HOSTS_GREEN), blue: JSON.parse(e.LAB_JSON_HOSTS_BLUE) },
  images: {
    base: `${reg}/bluegreen-lab/node-base:latest`,
    v1: `${reg}/hubuser/app:1.0.0`,
    v2: `${reg}/hubuser/app:2.0.0`,
  },
  initialUpstream: e.LAB_JSON_INITIAL,
  upSeconds: Number(e.LAB_JSON_UP),
};
require("node:fs").writeFileSync(`${d}/lab.json.tmp`, JSON.stringify(lab, null, 2) + "\n");
'
mv "$LAB_DIR/lab.json.tmp" "$LAB_DIR/lab.json"

lab_log "== timings"
for t in "${TIMINGS[@]}"; do lab_log "   $t"; done
lab_log "   total      ${UP_SECONDS}s (${#GREEN[@]} green + ${#BLUE[@]} blue + dockerhost + ${LBS[*]})"
echo "$LAB_DIR/lab.json"
