#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  parseConfig,
  require_dist
} from "./chunk-XMU2VBSY.js";
import "./chunk-V3I36CO6.js";
import {
  fingerprint,
  sh
} from "./chunk-7KC6R7G7.js";
import "./chunk-CKGP2JAI.js";
import {
  UsageError,
  __toESM,
  exitCodeOf,
  messageOf
} from "./chunk-CEACHMP3.js";

// src/init/cli.ts
import { parseArgs } from "node:util";

// src/init/request.ts
var BALANCER_TYPES = ["nginx", "haproxy", "apache"];
var DEFAULT_BALANCER_FILE = {
  nginx: "/etc/nginx/conf.d/upstream.conf",
  haproxy: "/etc/haproxy/haproxy.cfg",
  apache: "/etc/apache2/sites-enabled/000-default.conf"
};
function required(flags, name, example) {
  const v = flags[name]?.trim();
  if (!v) throw new UsageError(`init: --${name} is required, e.g. --${name} ${example}`);
  return v;
}
function hostList(value, flag) {
  if (value === void 0 || value.trim() === "") return [];
  const items = value.split(",").map((s) => s.trim());
  if (items.some((s) => s === ""))
    throw new UsageError(
      `init: ${flag} ${JSON.stringify(value)} has an empty item: give host names separated by commas, e.g. ${flag} web1,web2`
    );
  return items;
}
function appFromImage(image) {
  const last = image.split("/").pop() ?? "";
  return last.replace(/:.*$/, "");
}
function initRequest(flags) {
  const image = required(flags, "image", "registry.example.com/team/app");
  const green = hostList(required(flags, "green", "web1,web2"), "--green");
  const blue = hostList(flags.blue, "--blue");
  const balancer = required(flags, "balancer", "lb1");
  if (balancer.includes(","))
    throw new UsageError(
      `init: --balancer takes one host (init writes balancer.host; list several under balancer.hosts by hand)`
    );
  const type = flags["balancer-type"] ?? "nginx";
  if (!BALANCER_TYPES.includes(type))
    throw new UsageError(
      `init: --balancer-type ${JSON.stringify(type)}: expected one of ${BALANCER_TYPES.join(", ")}`
    );
  const balancerType = type;
  let port;
  if (flags.port !== void 0) {
    port = Number(flags.port);
    if (!/^\d+$/.test(flags.port) || port < 1 || port > 65535)
      throw new UsageError(
        `init: --port ${JSON.stringify(flags.port)}: expected the port the app listens on in its container, a whole number from 1 to 65535`
      );
  }
  if (flags.action !== void 0 && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^@\s]+)?@[0-9a-f]{40}$/.test(flags.action))
    throw new UsageError(
      `init: --action ${JSON.stringify(flags.action)}: expected OWNER/REPO@<full 40-character commit SHA> (pin actions by SHA)`
    );
  const host = balancer.replace(/:\d+$/, "");
  return {
    dir: flags.dir ?? ".",
    app: flags.app ?? appFromImage(image),
    image,
    green,
    blue,
    balancer,
    balancerType,
    balancerFile: flags["balancer-file"] ?? DEFAULT_BALANCER_FILE[balancerType],
    url: flags.url ?? `http://${host.includes(":") ? `[${host}]` : host}/`,
    ...port !== void 0 ? { port } : {},
    ...flags.registry !== void 0 ? { registry: flags.registry } : {},
    ...flags.user !== void 0 ? { user: flags.user } : {},
    ...flags.key !== void 0 ? { key: flags.key } : {},
    ...flags.action !== void 0 ? { action: flags.action } : {},
    trustScannedKeys: flags["trust-scanned-keys"] ?? false,
    force: flags.force ?? false
  };
}

// src/init/run.ts
import { join, resolve } from "node:path";

// src/init/config-file.ts
var KNOWN_HOSTS_FILE = "known_hosts";
var CONFIG_FILE = "bluegreen.yml";
var FLAG_OF_FIELD = [
  ["app", "--app"],
  ["image", "--image"],
  ["registry", "--registry"],
  ["ssh.user", "--user"],
  ["ssh.private_key", "--key"],
  ["container.port", "--port"],
  ["pools.green", "--green"],
  ["pools.blue", "--blue"],
  ["pools", "--green"],
  ["balancer.type", "--balancer-type"],
  ["balancer.file", "--balancer-file"],
  ["balancer.url", "--url"],
  ["balancer", "--balancer"]
];
function flagOfField(field) {
  return FLAG_OF_FIELD.find(([prefix]) => field === prefix || field.startsWith(`${prefix}.`))?.[1];
}
function nameFlags(message) {
  return message.replace(/(?<=^init: |\n {2}- )([a-z_]+(?:\.[A-Za-z0-9_]+)*)(?=: )/g, (field) => {
    const flag = flagOfField(field);
    return flag ? `${flag} (${field})` : field;
  });
}
var q = (s) => JSON.stringify(s);
function list(hosts, indent) {
  return hosts.length === 0 ? " []" : hosts.map((h) => `
${indent}- ${q(h)}`).join("");
}
function renderConfig(req) {
  const lines = [
    `# bluegreen config, written by \`bluegreen init\`. Every key is documented in the README`,
    `# ("Config") and in schema/bluegreen.schema.json. Check it with \`bluegreen validate\`, then`,
    `# see the plan without changing anything: \`bluegreen deploy --version TAG --dry-run\`.`,
    ``,
    `# The app's name: its containers are APP-POOL-VERSION on every host.`,
    `app: ${q(req.app)}`,
    `# The repository the hosts pull, without a tag: \`deploy --version V\` runs IMAGE:V.`,
    `image: ${q(req.image)}`
  ];
  if (req.registry === "none")
    lines.push(
      `# No registry: the image in this machine's Docker daemon is streamed to the hosts over SSH.`,
      `registry: none`
    );
  else if (req.registry !== void 0)
    lines.push(
      `# The registry of the image. Add username and password_env (the variable that holds the`,
      `# password) if it needs a login; pull_username + pull_password_env give the hosts a pull-only one.`,
      `registry:`,
      `  server: ${q(req.registry)}`
    );
  lines.push(
    ``,
    `ssh:`,
    ...req.user !== void 0 ? [`  # The user bluegreen logs in as on every host (it runs docker there).`, `  user: ${q(req.user)}`] : [`  # user: deploy   # default: User of ~/.ssh/config for the host (CLI), else root`],
    ...req.key !== void 0 ? [
      `  # The private key (the action passes it as its ssh_private_key input instead).`,
      `  private_key: ${q(req.key)}`
    ] : [
      `  # private_key: ~/.ssh/id_ed25519   # default: ssh-agent and ~/.ssh as ssh uses them (CLI);`,
      `  #                                  # the action takes the key as its ssh_private_key input`
    ],
    `  # The host keys of every host and the balancer, from \`ssh-keyscan\` by \`bluegreen init\`.`,
    `  # Compare their fingerprints with the hosts' own before you trust them (see the README).`,
    `  known_hosts: ${q(KNOWN_HOSTS_FILE)}`,
    ``,
    `container:`,
    `  # The port the app listens on inside its container; the balancer sends traffic there.`,
    `  port: ${req.port ?? 8e3}`,
    `  # Extra \`docker run\` words, one per item, e.g. [--memory, 512m] or [--network, host].`,
    `  options: []`,
    `  # env: { NODE_ENV: production }`,
    ``,
    `# Two pools of hosts: a deploy starts the new version on the idle one, checks it, and only`,
    `# then adds it to the balancer; promote makes it the only one. Entries are "host" or`,
    `# "host:port" (SSH), or { ssh: host, address: IP-the-balancer-uses, name: label }.`,
    `pools:`,
    `  green:${list(req.green, "    ")}`,
    `  blue:${list(req.blue, "    ")}`,
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
    ``
  );
  return lines.join("\n");
}
function checkedConfig(text) {
  try {
    return parseConfig(text, "init");
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${nameFlags(err.message)}
Nothing was written.`);
    throw err;
  }
}

// src/init/files.ts
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, relative } from "node:path";
function shownPath(path) {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}
function refuseExisting(paths, force, exists = existsSync) {
  if (force) return;
  const there = paths.filter((p) => exists(p));
  if (there.length > 0)
    throw new UsageError(
      `init: ${there.map(shownPath).join(", ")} already exist${there.length === 1 ? "s" : ""}: nothing was written. Pass --force to overwrite, or --dir DIR to write elsewhere.`
    );
}
async function writeFiles(files) {
  for (const f of files) {
    await mkdir(dirname(f.path), { recursive: true });
    await writeFile(f.path, f.text);
  }
}

// src/init/host-keys.ts
import { execFile } from "node:child_process";

// src/commands/keyscan.ts
function keyscan(host, port, timeoutSeconds = 5) {
  const argv = ["ssh-keyscan", "-T", String(timeoutSeconds), "-p", String(port), "--", host];
  return { argv, display: sh(...argv) };
}

// src/init/host-keys.ts
function scanTargets(config) {
  const defaultPort = config.ssh.port ?? 22;
  const targets = [];
  const add = (host, port, flag) => {
    const p = port ?? defaultPort;
    if (!targets.some((t) => t.host === host && t.port === p)) targets.push({ host, port: p, flag });
  };
  for (const h of config.pools.green) add(h.ssh.host, h.ssh.port, "--green");
  for (const h of config.pools.blue) add(h.ssh.host, h.ssh.port, "--blue");
  for (const h of config.balancer.hosts) add(h.host, h.port, "--balancer");
  return targets;
}
function parseKeyscan(output, target) {
  const keys = [];
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [, type, blob] = line.split(/\s+/);
    if (!type || !blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) continue;
    keys.push({
      line,
      host: target.host,
      port: target.port,
      type,
      fingerprint: fingerprint(Buffer.from(blob, "base64"))
    });
  }
  return keys;
}
var runLocal = (argv) => new Promise((resolve2) => {
  execFile(argv[0], argv.slice(1), { timeout: 3e4, encoding: "utf8" }, (err, stdout, stderr) => {
    const code = err ? typeof err.code === "number" ? err.code : -1 : 0;
    resolve2({ code, stdout, stderr: stderr || (err && code === -1 ? err.message : "") });
  });
});
async function scanHostKeys(targets, run = runLocal) {
  const results = await Promise.all(
    targets.map(async (t) => {
      const cmd = keyscan(t.host, t.port);
      const res = await run(cmd.argv);
      const keys = parseKeyscan(res.stdout, t);
      const why = res.stderr.split("\n").filter((l) => l.trim() && !l.startsWith("#")).join("; ");
      return {
        t,
        keys,
        problem: keys.length > 0 ? void 0 : `${cmd.display}: ${why || "no host key received"}`
      };
    })
  );
  const failed = results.filter((r) => r.problem !== void 0);
  if (failed.length > 0)
    throw new UsageError(
      `init: no SSH host key from ${failed.map((r) => `${r.t.host}:${r.t.port} (${r.t.flag})`).join(", ")}:
${failed.map((r) => `  ${r.problem}`).join(
        "\n"
      )}
Check that each host is up and its sshd listens on that port (or fix the flag). Nothing was written.`
    );
  return results.flatMap((r) => r.keys);
}
function describeKeys(keys) {
  const name = (k) => k.port === 22 ? k.host : `[${k.host}]:${k.port}`;
  const hostWidth = Math.max(0, ...keys.map((k) => name(k).length));
  const typeWidth = Math.max(0, ...keys.map((k) => k.type.length));
  return keys.map((k) => `  ${name(k).padEnd(hostWidth)}  ${k.type.padEnd(typeWidth)}  ${k.fingerprint}`);
}
function knownHostsText(keys) {
  return `${keys.map((k) => k.line).join("\n")}
`;
}

// src/init/workflow.ts
var import_yaml = __toESM(require_dist(), 1);

// raw:examples/workflows/deploy.yml
var deploy_default = "# Deploys every push to main: builds nothing itself (your CI publishes the image tagged with\n# the commit's full SHA beforehand), starts it on the idle pool beside the live one, and\n# records a GitHub deployment naming the image digest. Promote with pr-comment.yml or\n# dispatch.yml.\n# Copy it to .github/workflows/ in your repository and replace `uses: ./` with\n# `uses: OWNER/bluegreen@<full commit SHA> # vX.Y.Z`.\nname: deploy\n\non:\n  push:\n    branches: [main]\n\npermissions: {}\n\njobs:\n  deploy:\n    runs-on: ubuntu-24.04\n    environment: production\n    # One deploy at a time per environment, in every workflow that deploys to it; a pending\n    # run waits instead of cancelling the one that runs.\n    concurrency:\n      group: bluegreen-production\n      cancel-in-progress: false\n    permissions:\n      contents: read # checkout of the config\n      deployments: write # the GitHub deployment and its statuses\n      statuses: write # the bluegreen/<environment> commit status\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n        with:\n          persist-credentials: false\n      - id: bluegreen\n        uses: ./\n        with:\n          config: .github/bluegreen.yml\n          ssh_private_key: ${{ secrets.BLUEGREEN_SSH_KEY }}\n          known_hosts: ${{ vars.BLUEGREEN_KNOWN_HOSTS }}\n          registry_password: ${{ secrets.REGISTRY_TOKEN }}\n      - name: Report\n        shell: bash\n        env:\n          RESULT: ${{ steps.bluegreen.outputs.result }}\n          VERSION: ${{ steps.bluegreen.outputs.version }}\n          DIGEST: ${{ steps.bluegreen.outputs.digest }}\n          CANDIDATE: ${{ steps.bluegreen.outputs.candidate_pool }}\n        run: 'echo \"deploy of $VERSION ($DIGEST): $RESULT (candidate pool: $CANDIDATE)\"'\n";

// raw:examples/workflows/dispatch.yml
var dispatch_default = "# Runs any bluegreen command by hand from the Actions tab (or `gh workflow run`), from the\n# default branch only: a dispatch from another branch would run that branch's workflow file\n# and config with the environment's secrets.\nname: bluegreen\n\non:\n  workflow_dispatch:\n    inputs:\n      command:\n        description: Command to run\n        type: choice\n        options: [deploy, promote, rollback, scale, status, validate]\n        default: status\n      version:\n        description: Version (image tag) to deploy; empty for the full commit SHA\n        type: string\n        required: false\n      environment:\n        description: Environment\n        type: choice\n        options: [production, staging]\n        default: production\n      dry_run:\n        description: Show the plan and the balancer diff only\n        type: boolean\n        default: false\n\npermissions: {}\n\njobs:\n  run:\n    if: github.ref == format('refs/heads/{0}', github.event.repository.default_branch)\n    runs-on: ubuntu-24.04\n    environment: ${{ inputs.environment }}\n    concurrency:\n      group: bluegreen-${{ inputs.environment }}\n      cancel-in-progress: false\n    permissions:\n      contents: read\n      deployments: write\n      statuses: write\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n        with:\n          persist-credentials: false\n      - uses: ./\n        with:\n          command: ${{ inputs.command }}\n          version: ${{ inputs.version }}\n          environment: ${{ inputs.environment }}\n          dry_run: ${{ inputs.dry_run }}\n          config: .github/bluegreen-${{ inputs.environment }}.yml\n          ssh_private_key: ${{ secrets.BLUEGREEN_SSH_KEY }}\n          known_hosts: ${{ vars.BLUEGREEN_KNOWN_HOSTS }}\n          registry_password: ${{ secrets.REGISTRY_TOKEN }}\n";

// raw:examples/workflows/pr-comment.yml
var pr_comment_default = "# PR-comment commands: /deploy (or /deploy <sha>), /promote, /rollback or /status alone on a\n# comment's first line. issue_comment runs the DEFAULT BRANCH's workflow for anyone who can\n# comment, fork PRs included, so the work is split into jobs that each hold only what they need:\n#   authorize  every command-like comment: a read-only token, no secrets, no environment.\n#              Checks the commenter's permission, the fork rule and which commit /deploy is\n#              bound to (the head when the comment was written); writes nothing.\n#   refuse     a refused command: replies why and reacts \u{1F44E}. Writes comments, holds no secrets.\n#   run        an authorized command: the only job with secrets and the production\n#              environment, and the only one in the deploy concurrency group, so comments\n#              that are refused (or are no commands) never cancel a pending deploy or rollback.\n# No job checks out or runs pull-request code (the checkouts are the default branch, for the\n# action and the config); /deploy deploys the image your CI published for the bound commit,\n# tagged with its full SHA.\nname: pr-comment\n\non:\n  issue_comment:\n    types: [created]\n\npermissions: {}\n\njobs:\n  authorize:\n    # Skip the runner for comments that cannot be commands; the action checks again.\n    if: github.event.issue.pull_request && startsWith(github.event.comment.body, '/')\n    runs-on: ubuntu-24.04\n    permissions:\n      contents: read # the default branch, for the action\n      pull-requests: read # the head, its repository and commits\n      issues: read # the timeline that binds /deploy to a commit\n    outputs:\n      verdict: ${{ steps.check.outputs.verdict }}\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n        with:\n          ref: ${{ github.event.repository.default_branch }}\n          persist-credentials: false\n      - id: check\n        uses: ./\n        with:\n          mode: authorize\n          allowed_commenters_permission: write\n\n  refuse:\n    needs: authorize\n    if: needs.authorize.outputs.verdict == 'refused'\n    runs-on: ubuntu-24.04\n    permissions:\n      contents: read\n      pull-requests: write # the reply\n      issues: write # the reaction on the comment goes through the issues API\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n        with:\n          ref: ${{ github.event.repository.default_branch }}\n          persist-credentials: false\n      - uses: ./\n        with:\n          mode: refusal\n          allowed_commenters_permission: write\n\n  run:\n    needs: authorize\n    if: needs.authorize.outputs.verdict == 'authorized'\n    runs-on: ubuntu-24.04\n    environment: production\n    concurrency:\n      group: bluegreen-production\n      cancel-in-progress: false\n    permissions:\n      contents: read\n      deployments: write\n      statuses: write\n      pull-requests: write # the reply\n      issues: write # the reactions\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n        with:\n          ref: ${{ github.event.repository.default_branch }}\n          persist-credentials: false\n      - uses: ./\n        with:\n          ssh_private_key: ${{ secrets.BLUEGREEN_SSH_KEY }}\n          known_hosts: ${{ vars.BLUEGREEN_KNOWN_HOSTS }}\n          registry_password: ${{ secrets.REGISTRY_TOKEN }}\n          allowed_commenters_permission: write\n";

// src/init/workflow.ts
var ENVIRONMENT = "production";
var PARTS = [
  { text: deploy_default, event: "push", jobs: { deploy: "deploy" } },
  { text: dispatch_default, event: "workflow_dispatch", jobs: { run: "dispatch" } },
  {
    text: pr_comment_default,
    event: "issue_comment",
    jobs: { authorize: "authorize", refuse: "refuse", run: "comment" }
  }
];
function headerOf(doc) {
  const first = doc.contents.items[0]?.key;
  const text = doc.commentBefore ?? ((0, import_yaml.isScalar)(first) ? first.commentBefore : void 0) ?? "";
  const at = text.search(/ ?Copy it to /);
  return (at >= 0 ? text.slice(0, at) : text).trimEnd();
}
function renderWorkflow(opts) {
  const out = new import_yaml.Document({});
  out.commentBefore = [
    " bluegreen for push, workflow_dispatch and PR comments, written by `bluegreen init` from",
    " examples/workflows/{deploy,dispatch,pr-comment}.yml of bluegreen (see there and the README).",
    ` Config: ${opts.configPath}. Secrets: BLUEGREEN_SSH_KEY (the private key), REGISTRY_TOKEN`,
    " (the registry password, if it needs a login), in the production environment. Host keys:",
    " the known_hosts file the config names (a BLUEGREEN_KNOWN_HOSTS variable replaces it when set).",
    ...opts.action ? [] : [
      " `uses: ./` runs bluegreen from this repository: replace it with",
      " `uses: OWNER/bluegreen@<full commit SHA> # vX.Y.Z` (or run init with --action)."
    ]
  ].join("\n");
  const on = out.createNode({});
  const jobs = out.createNode({});
  for (const part of PARTS) {
    const doc = (0, import_yaml.parseDocument)(part.text);
    on.set(part.event, doc.getIn(["on", part.event], true));
    let first = true;
    for (const [from, to] of Object.entries(part.jobs)) {
      const job = doc.getIn(["jobs", from], true);
      const key = out.createNode(to);
      if (first) {
        key.commentBefore = headerOf(doc).replace(/^ {3}run {8}/m, "   comment    ");
        guard(job, part.event);
        first = false;
      }
      if (part.event === "workflow_dispatch") oneEnvironment(doc, job);
      jobs.items.push(out.createPair(key, job));
    }
  }
  out.set("name", "bluegreen");
  out.set("on", on);
  out.set("permissions", out.createNode({}));
  out.set("jobs", jobs);
  (0, import_yaml.visit)(out, {
    Pair(_, pair) {
      if (!(0, import_yaml.isScalar)(pair.key)) return;
      if (pair.key.value === "uses" && (0, import_yaml.isScalar)(pair.value) && pair.value.value === "./")
        pair.value.value = opts.action ?? "./";
      if (pair.key.value === "with" && (0, import_yaml.isMap)(pair.value) && pair.value.has("ssh_private_key"))
        pair.value.set("config", opts.configPath);
    }
  });
  return out.toString({ lineWidth: 0, flowCollectionPadding: false });
}
function guard(job, event) {
  const own = job.get("if");
  const cond = `github.event_name == '${event}'`;
  job.set("if", own ? `${cond} && ${own}` : cond);
  const items = job.items;
  const at = items.findIndex((p) => (0, import_yaml.isScalar)(p.key) && p.key.value === "if");
  const [pair] = items.splice(at, 1);
  items.unshift(pair);
}
function oneEnvironment(doc, job) {
  doc.deleteIn(["on", "workflow_dispatch", "inputs", "environment"]);
  (0, import_yaml.visit)(job, {
    Scalar(_, node) {
      if (typeof node.value === "string" && node.value.includes("${{ inputs.environment }}"))
        node.value = node.value.replaceAll("${{ inputs.environment }}", ENVIRONMENT);
    }
  });
}

// src/init/run.ts
var WORKFLOW_FILE = join(".github", "workflows", "bluegreen.yml");
async function runInit(req, scan) {
  const dir = resolve(req.dir);
  const configText = renderConfig(req);
  const config = checkedConfig(configText);
  const paths = {
    config: join(dir, CONFIG_FILE),
    knownHosts: join(dir, KNOWN_HOSTS_FILE),
    workflow: join(dir, WORKFLOW_FILE)
  };
  const files = [
    { path: paths.config, text: configText },
    {
      path: paths.workflow,
      text: renderWorkflow({ configPath: CONFIG_FILE, ...req.action ? { action: req.action } : {} })
    }
  ];
  refuseExisting(
    [...files.map((f) => f.path), ...req.trustScannedKeys ? [paths.knownHosts] : []],
    req.force
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
    req.trustScannedKeys ? `Written as ${shown(paths.knownHosts)} (--trust-scanned-keys): delete it if a fingerprint differs.` : [
      `Not written: ${shown(paths.knownHosts)}, the file ssh.known_hosts names. When every fingerprint`,
      `matches, save these lines as that file (or run init again with --trust-scanned-keys --force):`,
      knownHostsText(keys).trimEnd()
    ].join("\n"),
    ``,
    `Written: ${files.map((f) => shown(f.path)).join(", ")}`,
    `Next: bluegreen validate -c ${shown(paths.config)}; bluegreen deploy -c ${shown(paths.config)} --version TAG --dry-run`,
    ...req.action ? [] : [
      `In ${shown(paths.workflow)}, replace \`uses: ./\` with bluegreen pinned by commit SHA (or use --action).`
    ]
  ];
  return { written: files.map((f) => f.path), report: report.join("\n") };
}

// src/init/cli.ts
var INIT_HELP = `bluegreen init \u2014 write bluegreen.yml, known_hosts and .github/workflows/bluegreen.yml for your hosts

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
async function initMain(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        green: { type: "string" },
        blue: { type: "string" },
        balancer: { type: "string" },
        image: { type: "string" },
        app: { type: "string" },
        "balancer-type": { type: "string" },
        "balancer-file": { type: "string" },
        url: { type: "string" },
        port: { type: "string" },
        registry: { type: "string" },
        user: { type: "string" },
        key: { type: "string" },
        action: { type: "string" },
        dir: { type: "string" },
        "trust-scanned-keys": { type: "boolean", default: false },
        force: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false }
      }
    }));
  } catch (err) {
    process.stderr.write(`bluegreen init: ${messageOf(err)}
Run \`bluegreen init --help\` for usage.
`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${INIT_HELP}
`);
    return 0;
  }
  try {
    const { report } = await runInit(initRequest(values));
    process.stdout.write(`${report}
`);
    return 0;
  } catch (err) {
    const message = messageOf(err);
    process.stderr.write(`bluegreen ${message.startsWith("init:") ? "" : "init: "}${message}
`);
    return exitCodeOf(err);
  }
}
export {
  INIT_HELP,
  initMain
};
