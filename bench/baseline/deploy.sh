#!/usr/bin/env bash
# Baseline for the benchmark: a blue-green deploy done the way many teams script it today,
# one host after the other, over plain ssh. The seed's manual steps, automated:
#   for each new host: remove the app's old containers, docker pull, docker run, curl the
#   host until it answers (retries); then [stop the old pool;] write the nginx upstream with
#   a heredoc over ssh, nginx -t, nginx -s reload, and curl through nginx.
#
# Everything comes from the environment (bench/run.ts sets it from the lab's lab.json):
#   SSH_KEY KNOWN_HOSTS SSH_USER    ssh identity, pinned host keys (BatchMode, strict checking)
#   IMAGE VERSION APP PORT          image repository, tag, container name prefix, app port
#   HOSTS                           addresses of the hosts to deploy to (space-separated)
#   OLD_HOSTS                       optional: hosts of the pool being replaced; their containers
#                                   are stopped before nginx is switched (the naive order)
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
OLD_HOSTS=${OLD_HOSTS:-}
CHECK_BODY=${CHECK_BODY:-Hello}
CHECK_RETRIES=${CHECK_RETRIES:-20}
CHECK_INTERVAL=${CHECK_INTERVAL:-0.25}

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

for h in $HOSTS; do
  log "$h: pull and start $IMAGE:$VERSION"
  on "$h" "ids=\$(docker ps -aq --filter name=^$APP-); [ -z \"\$ids\" ] || docker rm -f \$ids >/dev/null
    docker pull -q $IMAGE:$VERSION >/dev/null
    docker run -d --name $APP-$VERSION --network host --init -e PORT=$PORT --restart unless-stopped $IMAGE:$VERSION >/dev/null"
  check "http://$h:$PORT/"
done

for h in $OLD_HOSTS; do
  log "$h: stop the old version"
  on "$h" "ids=\$(docker ps -aq --filter name=^$APP-); [ -z \"\$ids\" ] || { docker stop -t 5 \$ids >/dev/null; docker rm -f \$ids >/dev/null; }"
done

log "balancer: upstream -> $HOSTS"
servers=''
for h in $HOSTS; do servers+="    server $h:$PORT;"$'\n'; done
on "$BALANCER" "cat > $UPSTREAM_FILE.new && mv $UPSTREAM_FILE.new $UPSTREAM_FILE" <<UPSTREAM
# managed by deploy.sh
upstream app_server {
$servers}
UPSTREAM
on "$BALANCER" "$NGINX_TEST 2>/dev/null && $NGINX_RELOAD"
check "$BALANCER_URL"
log "done: $VERSION on $HOSTS"
