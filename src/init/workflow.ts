import { Document, isMap, isScalar, parseDocument, visit, type YAMLMap } from 'yaml';
import deployExample from '../../examples/workflows/deploy.yml?raw';
import dispatchExample from '../../examples/workflows/dispatch.yml?raw';
import prCommentExample from '../../examples/workflows/pr-comment.yml?raw';

// The .github/workflows/bluegreen.yml `bluegreen init` writes: the three example workflows of
// examples/workflows/ (bundled as they are, so the two never drift) joined into one file for
// the three triggers. Each job keeps the example's steps, permissions, concurrency and
// comments; what changes is only what joining and the user's repository require:
//   - each job runs for its own event only (`if: github.event_name == …`);
//   - dispatch's `run` job is named `dispatch`, pr-comment's `run` is `comment`;
//   - one environment (production) and one config file (the one init wrote);
//   - `uses: ./` becomes the pinned action given with --action (else it stays `./`).

export interface WorkflowOptions {
  /** The config's path relative to the repository root. */
  configPath: string;
  /** OWNER/REPO@SHA of bluegreen, or undefined to keep `./`. */
  action?: string;
}

const ENVIRONMENT = 'production';

/** A job of an example, with its event guard and the example's header as its comment. */
interface Part {
  text: string;
  event: string;
  jobs: Record<string, string>;
}

const PARTS: Part[] = [
  { text: deployExample, event: 'push', jobs: { deploy: 'deploy' } },
  { text: dispatchExample, event: 'workflow_dispatch', jobs: { run: 'dispatch' } },
  {
    text: prCommentExample,
    event: 'issue_comment',
    jobs: { authorize: 'authorize', refuse: 'refuse', run: 'comment' },
  },
];

/** The example's header comment (on its first key), without its "copy it … replace `uses: ./`" advice (done here). */
function headerOf(doc: Document): string {
  const first = (doc.contents as YAMLMap).items[0]?.key;
  const text = doc.commentBefore ?? (isScalar(first) ? first.commentBefore : undefined) ?? '';
  const at = text.search(/ ?Copy it to /);
  return (at >= 0 ? text.slice(0, at) : text).trimEnd();
}

export function renderWorkflow(opts: WorkflowOptions): string {
  const out = new Document({}) as Document<YAMLMap>;
  out.commentBefore = [
    ' bluegreen for push, workflow_dispatch and PR comments, written by `bluegreen init` from',
    ' examples/workflows/{deploy,dispatch,pr-comment}.yml of bluegreen (see there and the README).',
    ` Config: ${opts.configPath}. Secrets: BLUEGREEN_SSH_KEY (the private key), REGISTRY_TOKEN`,
    ' (the registry password, if it needs a login), in the production environment. Host keys:',
    ' the known_hosts file the config names (a BLUEGREEN_KNOWN_HOSTS variable replaces it when set).',
    ...(opts.action
      ? []
      : [
          ' `uses: ./` runs bluegreen from this repository: replace it with',
          ' `uses: OWNER/bluegreen@<full commit SHA> # vX.Y.Z` (or run init with --action).',
        ]),
  ].join('\n');
  const on = out.createNode({}) as YAMLMap;
  const jobs = out.createNode({}) as YAMLMap;
  for (const part of PARTS) {
    const doc = parseDocument(part.text);
    on.set(part.event, doc.getIn(['on', part.event], true));
    let first = true;
    for (const [from, to] of Object.entries(part.jobs)) {
      const job = doc.getIn(['jobs', from], true) as YAMLMap;
      const key = out.createNode(to);
      if (first) {
        // The example's header says what its jobs do: it heads the first of them here.
        // pr-comment's `run` job is `comment` here (dispatch has a `run` too).
        key.commentBefore = headerOf(doc).replace(/^ {3}run {8}/m, '   comment    ');
        guard(job, part.event);
        first = false;
      }
      if (part.event === 'workflow_dispatch') oneEnvironment(doc, job);
      jobs.items.push(out.createPair(key, job));
    }
  }
  out.set('name', 'bluegreen');
  out.set('on', on);
  out.set('permissions', out.createNode({}));
  out.set('jobs', jobs);
  visit(out, {
    Pair(_, pair) {
      if (!isScalar(pair.key)) return;
      if (pair.key.value === 'uses' && isScalar(pair.value) && pair.value.value === './')
        pair.value.value = opts.action ?? './';
      if (pair.key.value === 'with' && isMap(pair.value) && pair.value.has('ssh_private_key'))
        pair.value.set('config', opts.configPath);
    },
  });
  return out.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** The job runs for its event only (the later jobs of a part need it, so they follow it). */
function guard(job: YAMLMap, event: string): void {
  const own = job.get('if') as string | undefined;
  const cond = `github.event_name == '${event}'`;
  job.set('if', own ? `${cond} && ${own}` : cond);
  // `if` first, as in the examples: a reader sees when the job runs before what it does.
  const items = job.items;
  const at = items.findIndex((p) => isScalar(p.key) && p.key.value === 'if');
  const [pair] = items.splice(at, 1);
  items.unshift(pair!);
}

/** dispatch.yml chooses an environment (and its config); init writes one of each. */
function oneEnvironment(doc: Document, job: YAMLMap): void {
  doc.deleteIn(['on', 'workflow_dispatch', 'inputs', 'environment']);
  visit(job, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && node.value.includes('${{ inputs.environment }}'))
        node.value = node.value.replaceAll('${{ inputs.environment }}', ENVIRONMENT);
    },
  });
}
