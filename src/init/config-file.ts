import { parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { InitRequest } from './request.js';

// The commented bluegreen.yml `bluegreen init` writes. The text is rendered first and then
// read back by the config loader (parseConfig, as `bluegreen validate` reads a file), so a
// value the loader would refuse is refused here, before anything is written, and the file
// init writes is one the loader accepts. The loader's messages name config fields; they are
// rewritten to name the flag that set the field.

/** The file name of the known_hosts init writes beside the config (ssh.known_hosts names it). */
export const KNOWN_HOSTS_FILE = 'known_hosts';
export const CONFIG_FILE = 'bluegreen.yml';

/** Which flag sets which config field (the longest matching prefix wins). */
const FLAG_OF_FIELD: [string, string][] = [
  ['app', '--app'],
  ['image', '--image'],
  ['registry', '--registry'],
  ['ssh.user', '--user'],
  ['ssh.private_key', '--key'],
  ['container.port', '--port'],
  ['pools.green', '--green'],
  ['pools.blue', '--blue'],
  ['pools', '--green'],
  ['balancer.type', '--balancer-type'],
  ['balancer.file', '--balancer-file'],
  ['balancer.url', '--url'],
  ['balancer', '--balancer'],
];

export function flagOfField(field: string): string | undefined {
  return FLAG_OF_FIELD.find(([prefix]) => field === prefix || field.startsWith(`${prefix}.`))?.[1];
}

/** "init: balancer.url: expected …" → "init: --url (balancer.url): expected …". */
export function nameFlags(message: string): string {
  return message.replace(/(?<=^init: |\n {2}- )([a-z_]+(?:\.[A-Za-z0-9_]+)*)(?=: )/g, (field) => {
    const flag = flagOfField(field);
    return flag ? `${flag} (${field})` : field;
  });
}

/** A YAML scalar for any string: a JSON string is a valid YAML double-quoted scalar. */
const q = (s: string) => JSON.stringify(s);

function list(hosts: string[], indent: string): string {
  return hosts.length === 0 ? ' []' : hosts.map((h) => `\n${indent}- ${q(h)}`).join('');
}

export function renderConfig(req: InitRequest): string {
  const lines = [
    `# bluegreen config, written by \`bluegreen init\`. Every key is documented in the README`,
    `# ("Config") and in schema/bluegreen.schema.json. Check it with \`bluegreen validate\`, then`,
    `# see the plan without changing anything: \`bluegreen deploy --version TAG --dry-run\`.`,
    ``,
    `# The app's name: its containers are APP-POOL-VERSION on every host.`,
    `app: ${q(req.app)}`,
    `# The repository the hosts pull, without a tag: \`deploy --version V\` runs IMAGE:V.`,
    `image: ${q(req.image)}`,
  ];
  if (req.registry === 'none')
    lines.push(
      `# No registry: the image in this machine's Docker daemon is streamed to the hosts over SSH.`,
      `registry: none`,
    );
  else if (req.registry !== undefined)
    lines.push(
      `# The registry of the image. Add username and password_env (the variable that holds the`,
      `# password) if it needs a login; pull_username + pull_password_env give the hosts a pull-only one.`,
      `registry:`,
      `  server: ${q(req.registry)}`,
    );
  lines.push(
    ``,
    `ssh:`,
    ...(req.user !== undefined
      ? [`  # The user bluegreen logs in as on every host (it runs docker there).`, `  user: ${q(req.user)}`]
      : [`  # user: deploy   # default: User of ~/.ssh/config for the host (CLI), else root`]),
    ...(req.key !== undefined
      ? [
          `  # The private key (the action passes it as its ssh_private_key input instead).`,
          `  private_key: ${q(req.key)}`,
        ]
      : [
          `  # private_key: ~/.ssh/id_ed25519   # default: ssh-agent and ~/.ssh as ssh uses them (CLI);`,
          `  #                                  # the action takes the key as its ssh_private_key input`,
        ]),
    `  # The host keys of every host and the balancer, from \`ssh-keyscan\` by \`bluegreen init\`.`,
    `  # Compare their fingerprints with the hosts' own before you trust them (see the README).`,
    `  known_hosts: ${q(KNOWN_HOSTS_FILE)}`,
    ``,
    `container:`,
    `  # The port the app listens on inside its container; the balancer sends traffic there.`,
    `  port: ${req.port ?? 8000}`,
    `  # Extra \`docker run\` words, one per item, e.g. [--memory, 512m] or [--network, host].`,
    `  options: []`,
    `  # env: { NODE_ENV: production }`,
    ``,
    `# Two pools of hosts: a deploy starts the new version on the idle one, checks it, and only`,
    `# then adds it to the balancer; promote makes it the only one. Entries are "host" or`,
    `# "host:port" (SSH), or { ssh: host, address: IP-the-balancer-uses, name: label }.`,
    `pools:`,
    `  green:${list(req.green, '    ')}`,
    `  blue:${list(req.blue, '    ')}`,
    ``,
    `balancer:`,
    `  # nginx (an upstream block), haproxy (a backend section) or apache (a balancer:// block).`,
    `  type: ${req.balancerType}`,
    `  # The balancer host, reached over SSH like the pools.`,
    `  host: ${q(req.balancer)}`,
    `  # The file holding the upstream / backend / balancer block bluegreen rewrites.`,
    `  file: ${q(req.balancerFile)}`,
    `  # Where users reach the app through the balancer: checked after every switch.`,
    `  url: ${q(req.url)}`,
    `  # upstream: app_server   # the block's name; container: NAME when the balancer runs in Docker`,
    ``,
    `# The check every new container must pass before it gets traffic.`,
    `checks:`,
    `  path: "/"`,
    `  status: 200`,
    ``,
  );
  return lines.join('\n');
}

/** The config init would write, as the loader reads it; a refused value names its flag. */
export function checkedConfig(text: string): Config {
  try {
    return parseConfig(text, 'init');
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${nameFlags(err.message)}\nNothing was written.`);
    throw err;
  }
}
