import { UsageError } from '../errors.js';

// What `bluegreen init` was asked for: its flags, read into one record. Only the shape is
// checked here (lists split, numbers read, required flags present); every value is then
// validated by the config loader itself (config-file.ts), so what init writes loads.

export const BALANCER_TYPES = ['nginx', 'haproxy', 'apache'] as const;
export type BalancerType = (typeof BALANCER_TYPES)[number];

export interface InitRequest {
  /** The repository root: bluegreen.yml, known_hosts and .github/workflows/ go under it. */
  dir: string;
  app: string;
  image: string;
  green: string[];
  blue: string[];
  balancer: string;
  balancerType: BalancerType;
  balancerFile: string;
  url: string;
  port?: number;
  registry?: string;
  user?: string;
  key?: string;
  /** `uses:` of the workflow's bluegreen steps (OWNER/REPO@SHA); `./` when not given. */
  action?: string;
  trustScannedKeys: boolean;
  force: boolean;
}

/** The flags as node:util parseArgs gives them. */
export interface InitFlags {
  dir?: string;
  app?: string;
  image?: string;
  green?: string;
  blue?: string;
  balancer?: string;
  'balancer-type'?: string;
  'balancer-file'?: string;
  url?: string;
  port?: string;
  registry?: string;
  user?: string;
  key?: string;
  action?: string;
  'trust-scanned-keys'?: boolean;
  force?: boolean;
}

/** Where each balancer type usually keeps the file bluegreen manages (--balancer-file overrides). */
export const DEFAULT_BALANCER_FILE: Record<BalancerType, string> = {
  nginx: '/etc/nginx/conf.d/upstream.conf',
  haproxy: '/etc/haproxy/haproxy.cfg',
  apache: '/etc/apache2/sites-enabled/000-default.conf',
};

function required(flags: InitFlags, name: 'image' | 'green' | 'balancer', example: string): string {
  const v = flags[name]?.trim();
  if (!v) throw new UsageError(`init: --${name} is required, e.g. --${name} ${example}`);
  return v;
}

/** "h1,h2" → ["h1","h2"]; an empty item (h1,,h2) is refused rather than dropped. */
export function hostList(value: string | undefined, flag: string): string[] {
  if (value === undefined || value.trim() === '') return [];
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new UsageError(
      `init: ${flag} ${JSON.stringify(value)} has an empty item: give host names separated by commas, e.g. ${flag} web1,web2`,
    );
  return items;
}

/**
 * The app name when --app is not given: the image's last path component, as far as it is a
 * valid app name (lowercase letters, digits, _ . -).
 */
export function appFromImage(image: string): string {
  const last = image.split('/').pop() ?? '';
  return last.replace(/:.*$/, '');
}

export function initRequest(flags: InitFlags): InitRequest {
  const image = required(flags, 'image', 'registry.example.com/team/app');
  const green = hostList(required(flags, 'green', 'web1,web2'), '--green');
  const blue = hostList(flags.blue, '--blue');
  const balancer = required(flags, 'balancer', 'lb1');
  if (balancer.includes(','))
    throw new UsageError(
      `init: --balancer takes one host (init writes balancer.host; list several under balancer.hosts by hand)`,
    );
  const type = flags['balancer-type'] ?? 'nginx';
  if (!(BALANCER_TYPES as readonly string[]).includes(type))
    throw new UsageError(
      `init: --balancer-type ${JSON.stringify(type)}: expected one of ${BALANCER_TYPES.join(', ')}`,
    );
  const balancerType = type as BalancerType;
  let port: number | undefined;
  if (flags.port !== undefined) {
    port = Number(flags.port);
    if (!/^\d+$/.test(flags.port) || port < 1 || port > 65535)
      throw new UsageError(
        `init: --port ${JSON.stringify(flags.port)}: expected the port the app listens on in its container, a whole number from 1 to 65535`,
      );
  }
  if (
    flags.action !== undefined &&
    !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^@\s]+)?@[0-9a-f]{40}$/.test(flags.action)
  )
    throw new UsageError(
      `init: --action ${JSON.stringify(flags.action)}: expected OWNER/REPO@<full 40-character commit SHA> (pin actions by SHA)`,
    );
  const host = balancer.replace(/:\d+$/, '');
  return {
    dir: flags.dir ?? '.',
    app: flags.app ?? appFromImage(image),
    image,
    green,
    blue,
    balancer,
    balancerType,
    balancerFile: flags['balancer-file'] ?? DEFAULT_BALANCER_FILE[balancerType],
    url: flags.url ?? `http://${host.includes(':') ? `[${host}]` : host}/`,
    ...(port !== undefined ? { port } : {}),
    ...(flags.registry !== undefined ? { registry: flags.registry } : {}),
    ...(flags.user !== undefined ? { user: flags.user } : {}),
    ...(flags.key !== undefined ? { key: flags.key } : {}),
    ...(flags.action !== undefined ? { action: flags.action } : {}),
    trustScannedKeys: flags['trust-scanned-keys'] ?? false,
    force: flags.force ?? false,
  };
}
