#!/usr/bin/env bash
# Swarm mode of a running lab: `sudo bash test/lab/swarm.sh up N_GREEN N_BLUE` makes dockerhost
# a Swarm manager (it runs the balancer containers; no label of a pool, so no app task lands
# there) and greenhost00.. / bluehost00.. workers labelled pool=green / pool=blue.
# `swarm.sh down` removes every service and makes every lab host leave the swarm, so the lab
# is the plain SSH-pool lab again (down.sh also leaves the swarm on every host it stops).
# Lab note 21: Swarm works between the namespace daemons (--bridge=none --iptables=false).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
lab_require_root

on() { # HOST docker ARGS...
  local h=$1
  shift
  DOCKER_HOST="unix://$(lab_host_sock "$h")" timeout 60 docker "$@"
}
lab_hosts_with_docker() { # every lab host whose dockerd is up
  local h
  for h in $(lab_known_hosts); do [ -S "$(lab_host_sock "$h")" ] && echo "$h"; done
}

MANAGER=dockerhost
case "${1:-}" in
up)
  N_GREEN=${2:-3}
  N_BLUE=${3:-3}
  T0=$(lab_now)
  mapfile -t GREEN < <(lab_pool_names green "$N_GREEN")
  mapfile -t BLUE < <(lab_pool_names blue "$N_BLUE")
  for h in "${GREEN[@]}" "${BLUE[@]}"; do
    [ -S "$(lab_host_sock "$h")" ] || lab_die "$h has no dockerd: bring the lab up with enough hosts first"
  done
  ip=$(lab_host_ip "$MANAGER")
  if [ "$(on "$MANAGER" info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
    on "$MANAGER" swarm init --advertise-addr "$ip" --listen-addr "$ip:2377" >/dev/null
  fi
  token=$(on "$MANAGER" swarm join-token -q worker)
  for h in "${GREEN[@]}" "${BLUE[@]}"; do
    (
      if [ "$(on "$h" info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
        on "$h" swarm join --token "$token" --advertise-addr "$(lab_host_ip "$h")" \
          --listen-addr "$(lab_host_ip "$h"):2377" "$ip:2377" >/dev/null
      fi
    ) &
  done
  wait
  label() { # POOL HOST
    local id
    id=$(on "$2" info --format '{{.Swarm.NodeID}}')
    on "$MANAGER" node update --label-add "pool=$1" "$id" >/dev/null
  }
  for h in "${GREEN[@]}"; do label green "$h"; done
  for h in "${BLUE[@]}"; do label blue "$h"; done
  lab_log "swarm up: manager $MANAGER ($ip), ${#GREEN[@]} green + ${#BLUE[@]} blue workers in $(lab_elapsed "$T0")s"
  ;;
down)
  T0=$(lab_now)
  if [ -S "$(lab_host_sock "$MANAGER")" ] &&
    [ "$(on "$MANAGER" info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ]; then
    services=$(on "$MANAGER" service ls -q)
    # shellcheck disable=SC2086
    [ -z "$services" ] || on "$MANAGER" service rm $services >/dev/null
  fi
  # workers first, the manager last (a worker that leaves after its manager waits on it)
  for h in $(lab_hosts_with_docker | grep -vx "$MANAGER"); do
    (
      if [ "$(on "$h" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" != inactive ]; then
        on "$h" swarm leave --force >/dev/null 2>&1 || lab_log "$h: swarm leave failed"
      fi
      # tasks' containers Swarm did not remove yet
      ids=$(on "$h" ps -aq --filter label=com.docker.swarm.task.id 2>/dev/null || true)
      # shellcheck disable=SC2086
      [ -z "$ids" ] || on "$h" rm -f $ids >/dev/null 2>&1 || true
    ) &
  done
  wait
  if [ -S "$(lab_host_sock "$MANAGER")" ] &&
    [ "$(on "$MANAGER" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" != inactive ]; then
    on "$MANAGER" swarm leave --force >/dev/null
  fi
  left=$(for h in $(lab_hosts_with_docker); do
    s=$(on "$h" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo '?')
    [ "$s" = inactive ] || echo "$h: $s"
  done)
  [ -z "$left" ] || lab_die "still in a swarm: $left"
  lab_log "swarm down in $(lab_elapsed "$T0")s"
  ;;
*) lab_die "usage: swarm.sh up [N_GREEN] [N_BLUE] | swarm.sh down" ;;
esac
