#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));

// src/swarm/options.ts
var same = (value) => ({ value });
var as = (to, value = true) => ({ to, value });
var MAPPED = {
  "--init": same(false),
  "--read-only": same(false),
  "--no-healthcheck": same(false),
  "--log-driver": same(true),
  "--log-opt": same(true),
  "-e": as("--env"),
  "--env": same(true),
  "-l": as("--container-label"),
  "--label": as("--container-label"),
  "-u": as("--user"),
  "--user": same(true),
  "-w": as("--workdir"),
  "--workdir": same(true),
  "-h": as("--hostname"),
  "--hostname": same(true),
  "--stop-signal": same(true),
  "--cap-add": same(true),
  "--cap-drop": same(true),
  "--ulimit": same(true),
  "--sysctl": same(true),
  "--mount": same(true),
  "-v": { value: true, convert: volumeToMount },
  "--volume": { value: true, convert: volumeToMount },
  "-m": as("--limit-memory"),
  "--memory": as("--limit-memory"),
  "--cpus": as("--limit-cpu"),
  "--memory-reservation": as("--reserve-memory"),
  "--dns": same(true),
  "--dns-search": same(true),
  "--dns-option": same(true),
  "--add-host": as("--host"),
  "--group-add": as("--group"),
  "--health-cmd": same(true),
  "--health-interval": same(true),
  "--health-retries": same(true),
  "--health-timeout": same(true),
  "--health-start-period": same(true)
};
var REFUSED = {
  "-p": "a Swarm pool runs with host networking: the app listens on container.port on every node, where the balancer reaches it",
  "--publish": "a Swarm pool runs with host networking: the app listens on container.port on every node, where the balancer reaches it",
  "-P": "a Swarm pool runs with host networking: nothing is published",
  "--publish-all": "a Swarm pool runs with host networking: nothing is published",
  "--restart": "set container.restart instead (it becomes --restart-condition)",
  "--stop-timeout": "set container.stop_timeout instead (it becomes --stop-grace-period)",
  "--name": "bluegreen names the service APP-POOL",
  "-d": "services always run detached",
  "--detach": "services always run detached",
  "--rm": "tasks are removed by Swarm"
};
function isHostNetwork(flag, value) {
  return (flag === "--network" || flag === "--net") && value === "host";
}
function volumeToMount(value) {
  const [src, dst, mode, extra] = value.split(":");
  if (!src || !dst || extra !== void 0 || mode !== void 0 && mode !== "ro" && mode !== "rw")
    throw new Error(
      `container.options: --volume ${value}: only SRC:DST[:ro|rw] maps to a service mount; write it as --mount type=\u2026,source=\u2026,target=\u2026`
    );
  const type = src.startsWith("/") ? "bind" : "volume";
  return ["--mount", `type=${type},source=${src},target=${dst}${mode === "ro" ? ",readonly" : ""}`];
}
function serviceOptions(options) {
  const out = [];
  for (let i = 0; i < options.length; i++) {
    const word = options[i];
    const eq = word.startsWith("--") ? word.indexOf("=") : -1;
    const flag = eq > 0 ? word.slice(0, eq) : word;
    const inline = eq > 0 ? word.slice(eq + 1) : void 0;
    if (flag === "--network" || flag === "--net") {
      const value2 = inline ?? options[++i];
      if (!isHostNetwork(flag, value2))
        throw new Error(
          `container.options: ${flag} ${value2 ?? ""}: a Swarm pool runs with host networking (every task listens on its node's address, where the balancer reaches it); remove the option or make it --network host`
        );
      continue;
    }
    const m = MAPPED[flag];
    if (!m) {
      const why = REFUSED[flag];
      throw new Error(
        `container.options: ${flag} cannot be used with Swarm pools: ${why || `docker service create has no equivalent bluegreen maps it to`}; remove it`
      );
    }
    if (!m.value) {
      out.push(inline === void 0 ? m.to ?? flag : `${m.to ?? flag}=${inline}`);
      continue;
    }
    const value = inline ?? options[++i];
    if (value === void 0) throw new Error(`container.options: ${flag} needs a value`);
    out.push(...m.convert ? m.convert(value) : [m.to ?? flag, value]);
  }
  return out;
}

export {
  serviceOptions
};
