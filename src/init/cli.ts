import { parseArgs } from 'node:util';
import { exitCodeOf, messageOf } from '../errors.js';
import { initRequest, DEFAULT_BALANCER_FILE } from './request.js';
import { runInit } from './run.js';

// `bluegreen init …`: its own flags (none of the engine's apply), parsed here so the CLI
// entry only hands over the arguments after `init`.

export const INIT_HELP = `bluegreen init — write bluegreen.yml, known_hosts and .github/workflows/bluegreen.yml for your hosts

Usage:
  bluegreen init --green H1,H2 [--blue H3,H4] --balancer LB --image REPO [options]

Asks nothing (it runs in CI as in a shell). Every value is checked as \`bluegreen validate\`
checks a config, and nothing is written if one is refused or if any file already exists.

Required:
      --green LIST          the green pool's hosts, "host" or "host:port", comma-separated
      --balancer HOST       the balancer host ("host" or "host:port")
      --image REPO          the image repository, without a tag (e.g. registry.example.com/team/app)
Options:
      --blue LIST           the blue pool's hosts (default: none yet; add them before the second deploy)
      --app NAME            the app's name (default: the image's last path component)
      --balancer-type T     nginx (default), haproxy or apache
      --balancer-file PATH  the file bluegreen rewrites on the balancer (default per type:
                            ${DEFAULT_BALANCER_FILE.nginx}, ${DEFAULT_BALANCER_FILE.haproxy},
                            ${DEFAULT_BALANCER_FILE.apache})
      --url URL             where users reach the app through the balancer (default http://BALANCER/)
      --port N              the port the app listens on in its container (default 8000)
      --registry HOST[:PORT]  registry.server (the image's registry); \`none\`: no registry, the
                            image is streamed from this machine's Docker daemon over SSH
      --user NAME           ssh.user on every host (default: ~/.ssh/config's User, else root)
      --key PATH            ssh.private_key (default: ssh-agent and ~/.ssh, as ssh)
      --action OWNER/REPO@SHA  bluegreen as the workflow uses it (default: uses: ./)
      --dir DIR             the repository root to write into (default .)
      --trust-scanned-keys  write the scanned host keys to DIR/known_hosts (see below)
      --force               overwrite files that exist
  -h, --help                this help

Host keys: init runs ssh-keyscan against every host and the balancer and PRINTS each key with
its SHA256 fingerprint. A scanned key is whatever answered on the network, so init never trusts
it silently: compare each fingerprint with the one the host itself shows
(\`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` on the host, through its console or a
session you already trust). Without --trust-scanned-keys the known_hosts file the config names
is not written: init prints its lines for you to save once they match. With it, init writes
them (for hosts you have just verified, or a lab). A host whose ssh-keyscan gives no key is
named, and nothing is written.

Writes DIR/bluegreen.yml, DIR/.github/workflows/bluegreen.yml (push: deploy; workflow_dispatch:
any command; PR comments: /deploy, /promote, /rollback, /status; from examples/workflows/) and,
with --trust-scanned-keys, DIR/known_hosts. Exit codes: 0 written, 2 bad flags or a file
exists or a host gave no key (nothing written).`;

export async function initMain(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        green: { type: 'string' },
        blue: { type: 'string' },
        balancer: { type: 'string' },
        image: { type: 'string' },
        app: { type: 'string' },
        'balancer-type': { type: 'string' },
        'balancer-file': { type: 'string' },
        url: { type: 'string' },
        port: { type: 'string' },
        registry: { type: 'string' },
        user: { type: 'string' },
        key: { type: 'string' },
        action: { type: 'string' },
        dir: { type: 'string' },
        'trust-scanned-keys': { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`bluegreen init: ${messageOf(err)}\nRun \`bluegreen init --help\` for usage.\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${INIT_HELP}\n`);
    return 0;
  }
  try {
    const { report } = await runInit(initRequest(values));
    process.stdout.write(`${report}\n`);
    return 0;
  } catch (err) {
    const message = messageOf(err);
    process.stderr.write(`bluegreen ${message.startsWith('init:') ? '' : 'init: '}${message}\n`);
    return exitCodeOf(err);
  }
}
