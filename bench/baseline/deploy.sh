#!/usr/bin/env bash
# Baseline for the benchmark: a blue-green deploy done the way many teams script it today,
# over plain ssh. The seed's manual steps, automated:
#   on each new host: remove the app's old containers, docker pull, docker run, curl the host
#   until it answers (retries) — one host after the other, or (PARALLEL=1) all at once with
#   `&` + `wait`, the fastest thing a person would write; then write the nginx upstream with a
#   heredoc over ssh, nginx -t, nginx -s reload, and curl through nginx.
#
# Everything comes from the environment (bench/lib/tools.ts sets it from the lab's lab.json):
#   SSH_KEY KNOWN_HOSTS SSH_USER    ssh identity, pinned host keys (BatchMode, strict checking)
#   IMAGE VERSION APP PORT          image repository, tag, container name prefix, app port
#   RUN_OPTIONS                     extra `docker run` options (the same as bluegreen's)
#   HOSTS                           addresses of the hosts to deploy to (space-separated)
#   PARALLEL                        1: every host at once; 0 (default): one after the other
#   OLD_HOSTS                       optional: hosts of the pool being replaced
#   ORDER                           how the old pool is replaced (with OLD_HOSTS):
#     stop-first        the naive order: stop the old pool, then switch nginx (requests in
#                       between fail)
#     add-then-remove   the correct order: add the new hosts, reload, remove the old ones,
#                       reload (the old pool keeps running, for a rollback)
#     switch-then-stop  switch nginx, reload, check through it, then stop the old pool
#   BALANCER UPSTREAM_FILE          balancer host address and the upstream file nginx includes
#   NGINX_TEST NGINX_RELOAD         shell commands run on the balancer
#   BALANCER_URL                    where users reach the app
#   CHECK_BODY CHECK_RETRIES CHECK_INTERVAL   what a healthy answer contains, how long to wait
set -euo pipefail

: "${SSH_KEY:?}" "${KNOWN_HOSTS:?}" "${IMAGE:?}" "${VERSION:?}" "${HOSTS:?}" "${BALANCER:?}"
: "${UPSTREAM_FILE:?}" "${NGINX_TEST:?}" "${NGINX_RELOAD:?}" "${BALANCER_URL:?}"
SSH_USER=${SSH_USER:-root}
APP=${APP:-webapp}
PORT=${PORT:-8000}
RUN_OPTIONS=${RUN_OPTIONS:---network host --init}
PARALLEL=${PARALLEL:-0}
OLD_HOSTS=${OLD_HOSTS:-}
ORDER=${ORDER:-stop-first}
CHECK_BODY=${CHECK_BODY:-Hello}
CHECK_RETRIES=${CHECK_RETRIES:-20}
CHECK_INTERVAL=${CHECK_INTERVAL:-0.25}
case $ORDER in stop-first | add-then-remove | switch-then-stop) ;; *)
  echo "ORDER must be stop-first, add-then-remove or switch-then-stop, not '$ORDER'" >&2
  exit 2
  ;;
esac

SSH=(ssh -F /dev/null -i "$SSH_KEY" -o "UserKnownHostsFile=$KNOWN_HOSTS" -o StrictHostKeyChecking=yes
  -o BatchMode=yes -o ConnectTimeout=10 -o LogLevel=ERROR)
on() { # HOST COMMAND
  "${SSH[@]}" "$SSH_USER@$1" "$2"
}
log() { printf '[deploy.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# check URL: retries until the answer is a 2xx containing CHECK_BODY
check() {
  local i
  for ((i = 1; i <= CHECK_RETRIES; i++)); do
    if curl -fsS --max-time 2 "$1" 2>/dev/null | grep -q -- "$CHECK_BODY"; then return 0; fi
    sleep "$CHECK_INTERVAL"
  done
  log "check failed: $1"
  return 1
}

start_on() { # HOST: pull and start the new version, check it directly
  log "$1: pull and start $IMAGE:$VERSION"
  # shellcheck disable=SC2086 # RUN_OPTIONS are words
  on "$1" "ids=\$(docker ps -aq --filter name=^$APP-); [ -z \"\$ids\" ] || docker rm -f \$ids >/dev/null
    docker pull -q $IMAGE:$VERSION >/dev/null
    docker run -d --name $APP-$VERSION $RUN_OPTIONS -e PORT=$PORT --restart unless-stopped $IMAGE:$VERSION >/dev/null"
  check "http://$1:$PORT/"
}

stop_on() { # HOST: stop and remove the app's containers
  log "$1: stop the old version"
  on "$1" "ids=\$(docker ps -aq --filter name=^$APP-); [ -z \"\$ids\" ] || { docker stop -t 5 \$ids >/dev/null; docker rm -f \$ids >/dev/null; }"
}

each() { # FUNCTION HOSTS…: on every host, one after the other or all at once
  local fn=$1 h pids=() failed=0
  shift
  if [[ $PARALLEL == 1 ]]; then
    for h in "$@"; do
      "$fn" "$h" &
      pids+=($!)
    done
    for h in "${pids[@]}"; do wait "$h" || failed=1; done
    return $failed
  fi
  for h in "$@"; do "$fn" "$h"; done
}

switch_to() { # HOSTS…: write the upstream, test, reload, check through nginx
  log "balancer: upstream -> $*"
  local servers='' h
  for h in "$@"; do servers+="    server $h:$PORT;"$'\n'; done
  on "$BALANCER" "cat > $UPSTREAM_FILE.new && mv $UPSTREAM_FILE.new $UPSTREAM_FILE" <<UPSTREAM
# managed by deploy.sh
upstream app_server {
$servers}
UPSTREAM
  on "$BALANCER" "$NGINX_TEST 2>/dev/null && $NGINX_RELOAD"
  check "$BALANCER_URL"
}

# shellcheck disable=SC2086 # host lists are words
{
  each start_on $HOSTS
  case $ORDER in
    stop-first)
      each stop_on $OLD_HOSTS
      switch_to $HOSTS
      ;;
    add-then-remove)
      [[ -z $OLD_HOSTS ]] || switch_to $OLD_HOSTS $HOSTS
      switch_to $HOSTS
      ;;
    switch-then-stop)
      switch_to $HOSTS
      each stop_on $OLD_HOSTS
      ;;
  esac
}
log "done: $VERSION on $HOSTS"
