import type { Config } from './config/schema.js';

// `validate`: the config alone, checked the way every other command checks it, and
// summarised — no host is contacted and no secret is needed, so CI can run it on every
// change to the config (and this repository's CI runs the action that way).

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

const label = (l: { key: string; value: string }) => `${l.key}=${l.value}`;

/** One line per concern: what the config would deploy, where, and how traffic reaches it. */
export function describeConfig(config: Config, path: string): string[] {
  const { pools, balancer } = config;
  return [
    `${path} is valid`,
    `app ${config.app}: image ${config.image}${config.build ? ', built from ' + config.build.context : ', published by your CI'}${config.registry === 'none' ? ' (registry: none: streamed to the hosts over SSH)' : ''}`,
    config.swarm
      ? `pools: Swarm services ${config.app}-green (nodes labelled ${label(config.swarm.labels.green)}) and ${config.app}-blue (${label(config.swarm.labels.blue)}), through manager ${config.swarm.manager.host}`
      : `pools: green ${count(pools.green.length, 'host')}, blue ${count(pools.blue.length, 'host')}`,
    `balancer: ${balancer.type} on ${count(balancer.hosts.length, 'host')}, upstream ${balancer.upstream} in ${balancer.file ?? `Caddy's admin API at ${balancer.admin ?? 'localhost:2019'}`}`,
  ];
}
