// The `container.options` of the config are `docker run` words. A Swarm pool runs the same
// container as a service, so each option is mapped to its `docker service create` flag;
// an option without one is refused by name (config validation, exit 2) rather than dropped.
// Host networking is not an option for Swarm pools but the model: every task listens on its
// node's own address, where the balancer and the preflight reach it.

interface Mapping {
  /** The service flag it becomes (default: the same flag). */
  to?: string;
  /** Takes a value (`--flag value` or `--flag=value`); otherwise a boolean flag. */
  value: boolean;
  /** Turns the value into service flags (a volume into a mount). */
  convert?: (value: string) => string[];
}

const same = (value: boolean): Mapping => ({ value });
const as = (to: string, value = true): Mapping => ({ to, value });

const MAPPED: Record<string, Mapping> = {
  '--init': same(false),
  '--read-only': same(false),
  '--no-healthcheck': same(false),
  '--log-driver': same(true),
  '--log-opt': same(true),
  '-e': as('--env'),
  '--env': same(true),
  '-l': as('--container-label'),
  '--label': as('--container-label'),
  '-u': as('--user'),
  '--user': same(true),
  '-w': as('--workdir'),
  '--workdir': same(true),
  '-h': as('--hostname'),
  '--hostname': same(true),
  '--stop-signal': same(true),
  '--cap-add': same(true),
  '--cap-drop': same(true),
  '--ulimit': same(true),
  '--sysctl': same(true),
  '--mount': same(true),
  '-v': { value: true, convert: volumeToMount },
  '--volume': { value: true, convert: volumeToMount },
  '-m': as('--limit-memory'),
  '--memory': as('--limit-memory'),
  '--cpus': as('--limit-cpu'),
  '--memory-reservation': as('--reserve-memory'),
  '--dns': same(true),
  '--dns-search': same(true),
  '--dns-option': same(true),
  '--add-host': as('--host'),
  '--group-add': as('--group'),
  '--health-cmd': same(true),
  '--health-interval': same(true),
  '--health-retries': same(true),
  '--health-timeout': same(true),
  '--health-start-period': same(true),
};

/** Options that have a service equivalent elsewhere in the config, or none by design. */
const REFUSED: Record<string, string> = {
  '-p': 'a Swarm pool runs with host networking: the app listens on container.port on every node, where the balancer reaches it',
  '--publish':
    'a Swarm pool runs with host networking: the app listens on container.port on every node, where the balancer reaches it',
  '-P': 'a Swarm pool runs with host networking: nothing is published',
  '--publish-all': 'a Swarm pool runs with host networking: nothing is published',
  '--restart': 'set container.restart instead (it becomes --restart-condition)',
  '--stop-timeout': 'set container.stop_timeout instead (it becomes --stop-grace-period)',
  '--name': 'bluegreen names the service APP-POOL',
  '-d': 'services always run detached',
  '--detach': 'services always run detached',
  '--rm': 'tasks are removed by Swarm',
};

/** Words that name host networking (the only network a Swarm pool uses). */
function isHostNetwork(flag: string, value: string | undefined): boolean {
  return (flag === '--network' || flag === '--net') && value === 'host';
}

/** `-v SRC:DST[:ro|rw]` as a `--mount`: a path is a bind mount, a name a volume. */
function volumeToMount(value: string): string[] {
  const [src, dst, mode, extra] = value.split(':');
  if (!src || !dst || extra !== undefined || (mode !== undefined && mode !== 'ro' && mode !== 'rw'))
    throw new Error(
      `container.options: --volume ${value}: only SRC:DST[:ro|rw] maps to a service mount; write it as --mount type=…,source=…,target=…`,
    );
  const type = src.startsWith('/') ? 'bind' : 'volume';
  return ['--mount', `type=${type},source=${src},target=${dst}${mode === 'ro' ? ',readonly' : ''}`];
}

/**
 * The `docker service create` flags for `docker run` options (host networking left out: every
 * Swarm pool uses it). Throws naming the first option that has no service equivalent.
 */
export function serviceOptions(options: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < options.length; i++) {
    const word = options[i]!;
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const flag = eq > 0 ? word.slice(0, eq) : word;
    const inline = eq > 0 ? word.slice(eq + 1) : undefined;
    if (flag === '--network' || flag === '--net') {
      const value = inline ?? options[++i];
      if (!isHostNetwork(flag, value))
        throw new Error(
          `container.options: ${flag} ${value ?? ''}: a Swarm pool runs with host networking (every task listens on its node's address, where the balancer reaches it); remove the option or make it --network host`,
        );
      continue;
    }
    const m = MAPPED[flag];
    if (!m) {
      const why = REFUSED[flag];
      throw new Error(
        `container.options: ${flag} cannot be used with Swarm pools: ${why || `docker service create has no equivalent bluegreen maps it to`}; remove it`,
      );
    }
    if (!m.value) {
      out.push(inline === undefined ? (m.to ?? flag) : `${m.to ?? flag}=${inline}`);
      continue;
    }
    const value = inline ?? options[++i];
    if (value === undefined) throw new Error(`container.options: ${flag} needs a value`);
    out.push(...(m.convert ? m.convert(value) : [m.to ?? flag, value]));
  }
  return out;
}
