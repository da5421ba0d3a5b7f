import { z } from 'zod';
import { parseDuration } from './duration.js';
import { parseHop, parseHops, type Hop } from './proxy-jump.js';
import { PATTERNS, isHost, isPrintable } from './validators.js';

// The config file's schema. Unknown keys are errors (strictObject), so a typo such as
// `pool:` instead of `pools:` is reported instead of silently ignored.

const duration = (fallback: string) =>
  z
    .union([z.string(), z.number()])
    .default(fallback)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a duration such as "500ms", "2s" or "1m", got ${JSON.stringify(v)}`,
        });
        return z.NEVER;
      }
      return ms;
    });

const port = z.number().int().min(1).max(65535);

const hostString = z
  .string()
  .refine(isHost, { message: 'expected a host name (letters, digits, dots, hyphens) or an IP address' });

/** "host" or "host:port" as an SSH target. */
const sshTarget = z.string().transform((v, ctx) => {
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(v.trim());
  const host = m?.[1] ?? '';
  const p = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!isHost(host) || (p !== undefined && (p < 1 || p > 65535))) {
    ctx.addIssue({
      code: 'custom',
      message: `expected "host" or "host:port" (host: letters, digits, dots, hyphens or an IP address), got ${JSON.stringify(v)}`,
    });
    return z.NEVER;
  }
  return { host, port: p };
});

const hostEntry = z.union([
  sshTarget.transform((t) => ({ name: t.host, ssh: t, address: t.host })),
  z
    .strictObject({
      ssh: sshTarget,
      address: hostString.optional().describe('address nginx uses to reach the host (default: the ssh host)'),
      name: z.string().regex(PATTERNS.hostname, 'a name of letters, digits, dots and hyphens').optional(),
    })
    .transform((h) => ({ name: h.name ?? h.ssh.host, ssh: h.ssh, address: h.address ?? h.ssh.host })),
]);

/** A node label as `docker node update --label-add` takes it: KEY=VALUE. */
const nodeLabel = z.string().transform((v, ctx) => {
  const m = PATTERNS.nodeLabel.exec(v);
  if (!m) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a node label KEY=VALUE such as "pool=green" (letters, digits, _ . -), got ${JSON.stringify(v)}`,
    });
    return z.NEVER;
  }
  const [, key = '', value = ''] = m;
  if (key === 'bluegreen' || key.startsWith('bluegreen.')) {
    ctx.addIssue({
      code: 'custom',
      message: `the label key ${key} is bluegreen's own (it places a pool's tasks with bluegreen.APP=POOL): name the pool's nodes with another key, e.g. pool=green`,
    });
    return z.NEVER;
  }
  return { key, value };
});

/** A pool that is a Docker Swarm service: the nodes with `label` run it (swarm.manager schedules). */
const swarmPool = z.strictObject({
  swarm: z.strictObject({
    label: nodeLabel.describe(
      'the nodes with this label (docker node update --label-add KEY=VALUE) form the pool; one service APP-POOL runs on them',
    ),
  }),
});

const pool = z.union([z.array(hostEntry), swarmPool]).default([]);

/** A hook: a local shell command line (or script) the config's author wrote. */
const hookCommand = z
  .string()
  .trim()
  .min(1)
  .refine((v) => !v.includes('\0'), 'a shell command without NUL bytes');

/** BalancerMember parameters bluegreen writes itself, or that must differ per member. */
const RESERVED_MEMBER_PARAMS = ['loadfactor', 'retry', 'route', 'status'];

/** A proxy jump chain: `[user@]host[:port]`, several (a list, or comma-separated as ssh writes them), or `none`. */
const hops = z
  .union([z.string(), z.array(z.string()).min(1)])
  .describe('a jump host "[user@]host[:port]", a list of them, or "none"')
  .transform((v, ctx): Hop[] => {
    const hops: Hop[] = [];
    // A list's bad item is named by its index (ssh.proxy_jump.1).
    for (const [i, text] of (typeof v === 'string' ? [v] : v).entries()) {
      const parsed = typeof v === 'string' ? parseHops(text) : parseHop(text);
      if (typeof parsed === 'string') {
        ctx.addIssue({
          code: 'custom',
          message: parsed,
          input: text,
          ...(typeof v === 'string' ? {} : { path: [i] }),
        });
        return z.NEVER;
      }
      hops.push(...(Array.isArray(parsed) ? parsed : [parsed]));
    }
    return hops;
  });

/** Where the connections to the hosts go through jump hosts: per pool and balancer; unset means not given. */
export interface ProxyJumps {
  green?: Hop[];
  blue?: Hop[];
  balancer?: Hop[];
}

const proxyJump = z
  // The mapping first: a config error inside it then names its key (ssh.proxy_jump.green).
  .union([z.strictObject({ green: hops.optional(), blue: hops.optional(), balancer: hops.optional() }), hops])
  .describe(
    'a jump host "[user@]host[:port]", a list of them, "none", or a mapping { green, blue, balancer } of those',
  )
  .optional()
  .transform((v): ProxyJumps =>
    v === undefined ? {} : Array.isArray(v) ? { green: v, blue: v, balancer: v } : v,
  )
  .describe(
    'bastion host(s) every SSH connection is tunnelled through (one connection to the bastion per run), as ssh -J: for all hosts, or per pool and balancer; none: direct, whatever ~/.ssh/config says',
  );

const safeOption = z
  .string()
  .regex(
    PATTERNS.dockerOption,
    'docker option words may hold letters, digits and _ . , : = / @ + % - only (one word per list item)',
  );

const configObject = z.strictObject({
  app: z
    .string()
    .regex(
      PATTERNS.appName,
      'lowercase letters, digits, _ . - (starting with a letter or digit, at most 63)',
    ),
  image: z
    .string()
    .regex(
      PATTERNS.image,
      'a docker repository such as "hubuser/app" or "registry:5000/team/app", without a tag',
    ),
  registry: z
    .union([
      z
        .literal('none')
        .describe(
          "no registry: the image on this machine's Docker (DOCKER_HOST) is streamed to the hosts over SSH, which run it by image ID",
        ),
      z
        .strictObject({
          server: z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'a registry host[:port]'),
          username: z
            .string()
            .regex(/^[A-Za-z0-9_.@+-]+$/, 'a registry user name')
            .optional(),
          password_env: z.string().regex(PATTERNS.envKey, 'the name of an environment variable').optional(),
          pull_username: z
            .string()
            .regex(/^[A-Za-z0-9_.@+-]+$/, 'a registry user name')
            .optional()
            .describe('a pull-only user for the hosts (default: username), so hosts never hold a push token'),
          pull_password_env: z
            .string()
            .regex(PATTERNS.envKey, 'the name of an environment variable')
            .optional()
            .describe('the variable holding the pull-only password'),
          insecure: z
            .boolean()
            .default(false)
            .describe("plain HTTP: the registry is in the hosts' docker insecure-registries"),
        })
        .superRefine((r, ctx) => {
          if ((r.pull_username === undefined) !== (r.pull_password_env === undefined))
            ctx.addIssue({
              code: 'custom',
              path: [r.pull_username === undefined ? 'pull_username' : 'pull_password_env'],
              message: 'set pull_username and pull_password_env together',
            });
        }),
    ])
    .optional(),
  build: z
    .strictObject({
      context: z.string().default('.'),
      dockerfile: z.string().default('Dockerfile'),
      args: z
        .record(
          z.string().regex(PATTERNS.envKey, 'a build-arg name'),
          z.string().refine(isPrintable, 'printable text without newlines'),
        )
        .default({}),
    })
    .optional(),
  ssh: z
    .strictObject({
      user: z
        .string()
        .regex(PATTERNS.username, 'a Unix user name')
        .optional()
        .describe(
          'the user on every host (default: User of ~/.ssh/config for the host with the CLI, else root)',
        ),
      port: port
        .optional()
        .describe(
          'the SSH port of every host without its own (default: Port of ~/.ssh/config for the host with the CLI, else 22)',
        ),
      private_key: z
        .string()
        .optional()
        .describe(
          'path to the private key (the action passes the key itself instead; the CLI without one uses ssh-agent and ~/.ssh as ssh does)',
        ),
      known_hosts: z
        .string()
        .optional()
        .describe(
          'path to a known_hosts file listing every host and the balancer (the CLI without one reads ~/.ssh/known_hosts)',
        ),
      proxy_jump: proxyJump,
      fingerprints: z
        .record(
          z.string(),
          z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'an OpenSSH SHA256 fingerprint "SHA256:…"'),
        )
        .default({})
        .describe('pinned host key fingerprints by host, in place of or beside known_hosts'),
      insecure_ignore_host_keys: z
        .boolean()
        .default(false)
        .describe('accept any host key: never in production'),
      concurrency: z.number().int().min(1).max(256).default(10),
      connect_timeout: duration('10s'),
    })
    .prefault({}),
  container: z
    .strictObject({
      port: port.default(8000),
      options: z.array(safeOption).default([]),
      env: z
        .record(
          z.string().regex(PATTERNS.envKey, 'an environment variable name'),
          z.string().refine(isPrintable, 'printable text without newlines'),
        )
        .default({}),
      restart: z.enum(['no', 'always', 'unless-stopped', 'on-failure']).default('unless-stopped'),
      stop_timeout: duration('10s'),
    })
    .prefault({}),
  pools: z.strictObject({ green: pool, blue: pool }),
  swarm: z
    .strictObject({
      manager: sshTarget.describe(
        'a Swarm manager, reached over SSH like any host: bluegreen runs its docker service and docker node commands there only',
      ),
      start_timeout: duration('2m').describe(
        "how long a pool's tasks may take to run on every node (the pull included) before the deploy fails",
      ),
    })
    .optional()
    .describe('the pools are Docker Swarm services (pools.green and pools.blue are { swarm: { label } })'),
  balancer: z
    .strictObject({
      type: z
        .enum(['nginx', 'haproxy', 'apache', 'caddy'])
        .default('nginx')
        .describe(
          'nginx (an `upstream NAME { … }` block), haproxy (a `backend NAME` section), apache (a `<Proxy "balancer://NAME">` block) or caddy (a reverse_proxy handler with "@id": NAME, changed through its admin API; no file)',
        ),
      host: sshTarget.optional().describe('the one balancer host (or list several under hosts)'),
      container: z
        .string()
        .regex(PATTERNS.containerName, 'a docker container name (letters, digits, _ . -)')
        .optional()
        .describe(
          'the balancer runs in this docker container on the balancer host: balancer.file is the host path bind-mounted into it',
        ),
      hosts: z
        .array(sshTarget)
        .min(1)
        .optional()
        .describe(
          'several balancer hosts with the same file: every change is validated on all, then applied to each; state and lock live on the first',
        ),
      file: z
        .string()
        .regex(PATTERNS.remotePath, 'an absolute path without spaces, shell syntax or .. segments')
        .optional()
        .describe('the balancer config file holding the servers (nginx, haproxy, apache; not caddy)'),
      admin: z
        .string()
        .regex(
          /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$|^unix\/\/[A-Za-z0-9_.,:@+/-]+$/,
          "host:port or unix//PATH (as in Caddy's admin.listen)",
        )
        .optional()
        .describe(
          'caddy: its admin API as seen on the balancer host (reached through SSH with curl run there, never exposed by bluegreen); default localhost:2019',
        ),
      state_dir: z
        .string()
        .regex(PATTERNS.remotePath, 'an absolute path')
        .optional()
        .describe(
          'directory on the (first) balancer host for the state record and the lock: default beside balancer.file, or /var/lib/bluegreen for caddy',
        ),
      upstream: z
        .string()
        .regex(
          PATTERNS.upstreamName,
          'an nginx upstream / HAProxy backend / Apache balancer name / Caddy handler @id (letters, digits, _ . -)',
        )
        .default('app_server'),
      test: z
        .string()
        .refine(isPrintable, 'a one-line command')
        .optional()
        .describe(
          'default: `nginx -t` / `haproxy -c -f FILE` / `apachectl -t`; with a container: `docker exec NAME nginx -t` / `docker exec NAME haproxy -c -f PATH-INSIDE` / `docker exec NAME httpd -t`',
        ),
      reload: z
        .string()
        .refine(isPrintable, 'a one-line command')
        .optional()
        .describe(
          'default: `nginx -s reload` / SIGUSR2 to the HAProxy master / `apachectl graceful`; with a container: `docker kill -s HUP NAME` / `docker kill -s USR2 NAME` / `docker kill -s USR1 NAME`',
        ),
      pid_file: z
        .string()
        .regex(PATTERNS.remotePath, 'an absolute path')
        .optional()
        .describe(
          "the master's pid file (not used with a container): default the `pid` directive of `nginx -T` (else /run/nginx.pid), /run/haproxy.pid for haproxy, or the PidFile of `apachectl -t -D DUMP_RUN_CFG` for apache",
        ),
      admin_socket: z
        .string()
        .regex(PATTERNS.remotePath, 'an absolute path')
        .default('/run/haproxy/admin.sock')
        .describe('haproxy: the runtime API socket (`stats socket … level admin`), used to drain servers'),
      member_params: z
        .record(
          z.string().regex(/^[a-z]{1,40}$/, 'an Apache worker parameter name (lowercase letters)'),
          z.union([
            z.string().regex(/^[A-Za-z0-9_.,+-]{1,100}$/, 'a value without spaces, quotes, # or :'),
            z.number().int().min(0).max(65535),
          ]),
        )
        .optional()
        .describe(
          'apache: parameters for every BalancerMember bluegreen writes, e.g. { upgrade: websocket } for WebSocket through the balancer',
        ),
      url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL where users reach the app' }),
      max_fails: z.number().int().min(0).max(100).default(1),
      fail_timeout: duration('10s'),
      drain_timeout: duration('60s'),
      state_file: z.string().regex(PATTERNS.remotePath, 'an absolute path').optional(),
    })
    .transform((b, ctx) => {
      if ((b.host === undefined) === (b.hosts === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['hosts'],
          message: 'set exactly one of balancer.host (one balancer) or balancer.hosts (a list of balancers)',
        });
        return z.NEVER;
      }
      const hosts = b.hosts ?? [b.host!];
      const seen = new Set<string>();
      for (const h of hosts) {
        const key = `${h.host}:${h.port ?? ''}`;
        if (seen.has(key)) {
          ctx.addIssue({ code: 'custom', path: ['hosts'], message: `${h.host} is listed twice` });
          return z.NEVER;
        }
        seen.add(key);
      }
      if (b.member_params !== undefined && b.type !== 'apache') {
        ctx.addIssue({
          code: 'custom',
          path: ['member_params'],
          message: `is for balancer.type apache (BalancerMember parameters), not ${b.type}: remove it`,
        });
        return z.NEVER;
      }
      if (b.type === 'caddy') {
        const fileOnly = (['file', 'test', 'reload', 'pid_file', 'container'] as const).find(
          (k) => b[k] !== undefined,
        );
        if (fileOnly !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [fileOnly],
            message:
              fileOnly === 'container'
                ? "is not supported for balancer.type caddy yet (bluegreen reaches Caddy's admin API on the balancer host: publish it there, e.g. -p 127.0.0.1:2019:2019, and set balancer.admin): remove it"
                : `is not used by balancer.type caddy (no file and no reload: bluegreen changes the reverse_proxy handler through Caddy's admin API, balancer.admin): remove it`,
          });
          return z.NEVER;
        }
      } else {
        if (b.file === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['file'],
            message: `is required for balancer.type ${b.type}: the absolute path of the file holding the servers`,
          });
          return z.NEVER;
        }
        if (b.admin !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['admin'],
            message: `is for balancer.type caddy (its admin API), not ${b.type}: remove it`,
          });
          return z.NEVER;
        }
      }
      const reserved = Object.keys(b.member_params ?? {}).find((k) => RESERVED_MEMBER_PARAMS.includes(k));
      if (reserved !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['member_params', reserved],
          message: `${reserved} is set by bluegreen (loadfactor: deploy --steps; retry: balancer.fail_timeout) or differs per member (route, status): remove it`,
        });
        return z.NEVER;
      }
      if (b.container !== undefined && b.pid_file !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['pid_file'],
          message: `is not used with balancer.container (bluegreen finds the workers of container ${b.container} itself): remove it`,
        });
        return z.NEVER;
      }
      const { host: _one, hosts: _many, ...rest } = b;
      // test, reload and the pid file stay unset when not given: each driver knows its
      // defaults, and some are only known on the host (the path inside a container, the
      // pid directive of nginx -T).
      return { ...rest, hosts };
    }),
  shift: z
    .strictObject({
      step_duration: duration('5s').describe('how long each step of `deploy --steps` is sampled'),
      max_error_rate: z
        .number()
        .min(0)
        .max(1)
        .default(0.01)
        .describe('failed share of the sampled requests that fails a step (0.01 = 1%)'),
      max_p99: duration('1s').describe('p99 latency of the sampled requests that fails a step'),
      concurrency: z.number().int().min(1).max(64).default(4).describe('parallel sampling requests'),
    })
    .prefault({}),
  checks: z
    .strictObject({
      path: z.string().regex(PATTERNS.urlPath, 'a URL path starting with /').default('/'),
      status: z.number().int().min(100).max(599).default(200),
      body: z.string().optional().describe('text the response body must contain'),
      timeout: duration('2s'),
      interval: duration('1s'),
      retries: z.number().int().min(1).max(1000).default(15),
    })
    .prefault({}),
  lock: z
    .strictObject({
      wait: duration('0s').describe('how long to wait for another run to finish'),
      ttl: duration('30m').describe('a lock older than this is taken over'),
    })
    .prefault({}),
  promote: z
    .strictObject({
      keep_old: z
        .union([z.literal('until_next_deploy'), z.string(), z.number()])
        .default('until_next_deploy')
        .transform((v, ctx) => {
          if (v === 'until_next_deploy') return { until: 'next_deploy' as const };
          const ms = parseDuration(v);
          if (ms === undefined) {
            ctx.addIssue({
              code: 'custom',
              message: `expected until_next_deploy, 0 or a duration such as "5m", got ${JSON.stringify(v)}`,
            });
            return z.NEVER;
          }
          return { until: 'duration' as const, ms };
        })
        .describe(
          'how long the old pool keeps running after a promote, outside the balancer, as the instant rollback: until_next_deploy (default), a duration (then its containers are stopped, not removed), or 0 (stopped at once)',
        ),
    })
    .prefault({}),
  release: z
    .strictObject({
      command: z
        .union([
          z
            .string()
            .trim()
            .min(1)
            .refine(
              (v) => isPrintable(v) && !/['"\\]/.test(v),
              'words separated by spaces, without quotes or backslashes (use the list form, ["node", "-e", "…"], for an argument with spaces)',
            )
            .transform((v) => v.split(/\s+/)),
          z.array(z.string().min(1).refine(isPrintable, 'one printable word per item')).min(1),
        ])
        .describe(
          'what runs once in a one-off container of the new image, e.g. "node migrate.js": the words are the container\'s command (no shell runs them; the image needs none)',
        ),
      host: z
        .enum(['first'])
        .default('first')
        .describe('where: the first host of the pool being deployed (config order)'),
      timeout: duration('10m').describe(
        'a release still running after this is stopped, and the deploy fails',
      ),
    })
    .optional()
    .describe(
      'the release phase of a deploy: after every host of the new pool passed its check, before the balancer sends it any traffic; its failure fails the deploy',
    ),
  hooks: z
    .strictObject({
      pre_deploy: hookCommand.optional(),
      post_deploy: hookCommand.optional(),
      pre_promote: hookCommand.optional(),
      post_promote: hookCommand.optional(),
      post_rollback: hookCommand.optional(),
      timeout: duration('5m').describe('a hook still running after this is stopped (and fails)'),
    })
    .prefault({})
    .describe(
      "local commands (sh -c, in the config file's directory) run by bluegreen with BLUEGREEN_* variables; a failing pre_* hook stops the command before it changes anything, a failing post_* hook is reported",
    ),
  retain: z
    .number()
    .int()
    .min(2)
    .max(100)
    .default(3)
    .describe(
      'containers (and their images) of the app kept per host, running or stopped; older ones are removed after a successful promote and by `bluegreen prune` (never the live or previous version)',
    ),
});

/** The config: the object above, its pools read as host lists or Swarm labels (swarmPools). */
export const configSchema = configObject.transform(swarmPools);

type ParsedPools = { green: z.output<typeof pool>; blue: z.output<typeof pool> };
type NodeLabel = { key: string; value: string };

/**
 * Pools are host lists or Swarm labels, never one of each; the output keeps `pools` as host
 * lists (empty for Swarm pools) and puts the labels under `swarm.labels`, so everything that
 * works on SSH hosts reads the config as before.
 */
function swarmPools<
  T extends {
    pools: ParsedPools;
    swarm?: { manager: { host: string; port?: number | undefined }; start_timeout: number };
  },
>(c: T, ctx: z.core.$RefinementCtx<T>) {
  const isSwarm = (p: z.output<typeof pool>): p is z.output<typeof swarmPool> => !Array.isArray(p);
  const { pools, swarm, ...rest } = c;
  const kinds = { green: isSwarm(pools.green), blue: isSwarm(pools.blue) };
  const hostsOf = (p: z.output<typeof pool>) => (isSwarm(p) ? [] : p);
  const out = { ...rest, pools: { green: hostsOf(pools.green), blue: hostsOf(pools.blue) } };
  if (!kinds.green && !kinds.blue) {
    if (swarm)
      ctx.addIssue({
        code: 'custom',
        path: ['swarm'],
        message:
          'is set, but no pool is a Swarm label: make pools.green and pools.blue { swarm: { label: KEY=VALUE } }, or remove swarm',
      });
    return { ...out, swarm: undefined };
  }
  if (kinds.green !== kinds.blue) {
    const [ssh, sw] = kinds.green ? ['blue', 'green'] : ['green', 'blue'];
    ctx.addIssue({
      code: 'custom',
      path: ['pools', ssh],
      message: `is a list of SSH hosts, but pools.${sw} is a Swarm label: both pools must be the same kind (bluegreen switches between two SSH pools or two Swarm services): make pools.${ssh} { swarm: { label: KEY=VALUE } } too`,
    });
    return z.NEVER;
  }
  if (!swarm) {
    ctx.addIssue({
      code: 'custom',
      path: ['swarm', 'manager'],
      message: 'is required when the pools are Swarm labels: the manager bluegreen reaches over SSH',
    });
    return z.NEVER;
  }
  const labels = {
    green: (pools.green as z.output<typeof swarmPool>).swarm.label as NodeLabel,
    blue: (pools.blue as z.output<typeof swarmPool>).swarm.label as NodeLabel,
  };
  if (labels.green.key === labels.blue.key && labels.green.value === labels.blue.value) {
    ctx.addIssue({
      code: 'custom',
      path: ['pools', 'blue', 'swarm', 'label'],
      message: `is the same as pools.green's (${labels.green.key}=${labels.green.value}): the pools must be different nodes`,
    });
    return z.NEVER;
  }
  return { ...out, swarm: { ...swarm, labels } };
}

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type HostRef = Config['pools']['green'][number];
/** The Swarm setup when the pools are Swarm services (undefined for SSH pools). */
export type SwarmConfig = NonNullable<Config['swarm']>;
export type PoolName = 'green' | 'blue';
export const POOLS: readonly PoolName[] = ['green', 'blue'];

export type RegistryConfig = Exclude<NonNullable<Config['registry']>, 'none'>;

/** The registry the image is pushed to and pulled from; undefined without one (or with `registry: none`). */
export function registryOf(config: Pick<Config, 'registry'>): RegistryConfig | undefined {
  return config.registry === 'none' ? undefined : config.registry;
}

/** `registry: none`: the image goes from this machine's Docker to the hosts over SSH. */
export function streamsImage(config: Pick<Config, 'registry'>): boolean {
  return config.registry === 'none';
}

export const HOOK_NAMES = [
  'pre_deploy',
  'post_deploy',
  'pre_promote',
  'post_promote',
  'post_rollback',
] as const;
export type HookName = (typeof HOOK_NAMES)[number];
