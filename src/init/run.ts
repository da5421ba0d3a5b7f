import { join, resolve } from 'node:path';
import { CONFIG_FILE, KNOWN_HOSTS_FILE, checkedConfig, renderConfig } from './config-file.js';
import { refuseExisting, shownPath, writeFiles, type PlannedFile } from './files.js';
import { describeKeys, knownHostsText, scanHostKeys, scanTargets, type Runner } from './host-keys.js';
import type { InitRequest } from './request.js';
import { renderWorkflow } from './workflow.js';

// `bluegreen init`, start to end: render and validate the config (nothing asked: flags
// only), refuse existing files unless --force, scan the host keys, write, and say what the
// user must still do — above all, compare the fingerprints before trusting the keys.

export const WORKFLOW_FILE = join('.github', 'workflows', 'bluegreen.yml');

export interface InitResult {
  written: string[];
  /** What to print: the keys with their fingerprints, and the next steps. */
  report: string;
}

export async function runInit(req: InitRequest, scan?: Runner): Promise<InitResult> {
  const dir = resolve(req.dir);
  const configText = renderConfig(req);
  const config = checkedConfig(configText);
  const paths = {
    config: join(dir, CONFIG_FILE),
    knownHosts: join(dir, KNOWN_HOSTS_FILE),
    workflow: join(dir, WORKFLOW_FILE),
  };
  const files: PlannedFile[] = [
    { path: paths.config, text: configText },
    {
      path: paths.workflow,
      text: renderWorkflow({ configPath: CONFIG_FILE, ...(req.action ? { action: req.action } : {}) }),
    },
  ];
  refuseExisting(
    [...files.map((f) => f.path), ...(req.trustScannedKeys ? [paths.knownHosts] : [])],
    req.force,
  );
  const keys = await scanHostKeys(scanTargets(config), scan);
  if (req.trustScannedKeys) files.push({ path: paths.knownHosts, text: knownHostsText(keys) });
  await writeFiles(files);
  const shown = shownPath;
  const report = [
    `Host keys from ssh-keyscan (not verified: anyone on the network path could have answered):`,
    ...describeKeys(keys),
    `Compare each fingerprint with the host's own, run on the host through a channel you trust`,
    `(its console, or a session you already trust):  ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`,
    `(and the same for its ecdsa and rsa keys).`,
    ``,
    req.trustScannedKeys
      ? `Written as ${shown(paths.knownHosts)} (--trust-scanned-keys): delete it if a fingerprint differs.`
      : [
          `Not written: ${shown(paths.knownHosts)}, the file ssh.known_hosts names. When every fingerprint`,
          `matches, save these lines as that file (or run init again with --trust-scanned-keys --force):`,
          knownHostsText(keys).trimEnd(),
        ].join('\n'),
    ``,
    `Written: ${files.map((f) => shown(f.path)).join(', ')}`,
    `Next: bluegreen validate -c ${shown(paths.config)}; bluegreen deploy -c ${shown(paths.config)} --version TAG --dry-run`,
    ...(req.action
      ? []
      : [
          `In ${shown(paths.workflow)}, replace \`uses: ./\` with bluegreen pinned by commit SHA (or use --action).`,
        ]),
  ];
  return { written: files.map((f) => f.path), report: report.join('\n') };
}
