import addFormats from 'ajv-formats';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenAPIBackend, type Operation } from 'openapi-backend';
import { extractOperations, resolveRef, type OpenApiDoc, type Subset } from './openapi-subset.js';

// A local stand-in for api.github.com that holds the action to GitHub's own REST
// description: every request must match an operation of it, with path parameters, query
// and JSON body valid against its schemas. Anything else is answered 4xx AND recorded as
// a violation, which the tests assert to be empty. Answers start from the description's
// own examples, with the fields the action reads filled in from what it was asked.

export const FAKED_OPERATIONS = [
  'repos/create-deployment',
  'repos/list-deployments',
  'repos/create-deployment-status',
  'repos/create-commit-status',
  'repos/get-collaborator-permission-level',
  'pulls/get',
  'pulls/list-commits',
  'issues/list-events-for-timeline',
  'issues/create-comment',
  'reactions/create-for-issue-comment',
] as const;

export interface RecordedCall {
  method: string;
  path: string;
  operationId?: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  authorization?: string;
}

export interface Violation {
  method: string;
  path: string;
  reason: string;
}

export interface Collaborator {
  permission: 'admin' | 'write' | 'read' | 'none';
  role_name: string;
}

/** One event of a pull request's timeline, as the tests script it (rendered into GitHub's shapes). */
export type TimelineEntry =
  | { event: 'committed'; sha: string }
  | { event: 'commented'; id: number; user: string; at: string }
  | {
      event: 'reviewed';
      user: string;
      commitId: string;
      at: string;
      state?: 'approved' | 'commented' | 'changes_requested';
    }
  | {
      event: 'head_ref_force_pushed' | 'head_ref_deleted' | 'head_ref_restored' | 'reopened';
      user: string;
      at: string;
      commitId?: string;
    };

export interface PullRequest {
  headSha: string;
  /** owner/name of the head repository; null when the fork was deleted. */
  headRepo: string | null;
  state?: 'open' | 'closed';
  /** Oldest first, as GitHub lists it. */
  timeline?: TimelineEntry[];
  /** The pull request's commits, oldest first (default: the head alone). */
  commits?: string[];
}

interface StoredDeployment {
  id: number;
  body: Record<string, unknown>;
  statuses: Record<string, unknown>[];
  createdAt: string;
}

type Json = Record<string, unknown>;

let subsetCache: Subset | undefined;

/** The specific schema each scripted timeline event must match (the operation's own anyOf accepts any object). */
const TIMELINE_SCHEMAS: Record<TimelineEntry['event'], string> = {
  committed: 'timeline-committed-event',
  commented: 'timeline-comment-event',
  reviewed: 'timeline-reviewed-event',
  head_ref_force_pushed: 'state-change-issue-event',
  head_ref_deleted: 'state-change-issue-event',
  head_ref_restored: 'state-change-issue-event',
  reopened: 'state-change-issue-event',
};

type SchemaCheck = (value: unknown) => string | undefined;

function subset(): Subset {
  subsetCache ??= extractOperations(FAKED_OPERATIONS);
  return subsetCache;
}

/** The description's example for an operation's first success response. */
function exampleFor(doc: OpenApiDoc, op: Operation): { status: number; body: unknown } {
  for (const [code, raw] of Object.entries(op.responses ?? {})) {
    const status = Number(code);
    if (status < 200 || status >= 300) continue;
    const response = resolveRef<{ content?: Record<string, { examples?: Record<string, unknown> }> }>(
      doc,
      raw,
    );
    const examples = response.content?.['application/json']?.examples ?? {};
    const first = Object.values(examples)[0];
    const example = first === undefined ? undefined : resolveRef<{ value?: unknown }>(doc, first).value;
    return { status, body: structuredClone(example ?? {}) };
  }
  return { status: 200, body: {} };
}

type AjvClass = new (opts: object) => {
  addSchema(schema: object, key: string): unknown;
  compile(
    schema: object,
  ): ((value: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
};

/** Validators for the subset's component schemas, made with openapi-backend's own Ajv class. */
function componentChecker(Ajv: AjvClass): (name: string) => SchemaCheck {
  const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
  addFormats.default(ajv as never);
  ajv.addSchema(subset().doc, 'github');
  const cache = new Map<string, SchemaCheck>();
  return (name) => {
    let check = cache.get(name);
    if (!check) {
      const validate = ajv.compile({ $ref: `github#/components/schemas/${name}` });
      check = (value) =>
        validate(value)
          ? undefined
          : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ');
      cache.set(name, check);
    }
    return check;
  };
}

export class FakeGitHub {
  readonly calls: RecordedCall[] = [];
  readonly violations: Violation[] = [];
  /** Answers of the fake itself that do not match the description: a bug in the fake, not the action. */
  readonly responseViolations: string[] = [];
  /** Collaborator permission by login; users not listed get GitHub's 404. */
  readonly collaborators = new Map<string, Collaborator>();
  readonly pulls = new Map<number, PullRequest>();
  /** Answer an operation with this error status (to test that reporting failures do not mask results). */
  readonly failures = new Map<string, number>();
  readonly deployments: StoredDeployment[] = [];
  readonly commitStatuses: Json[] = [];
  readonly comments: Json[] = [];
  private nextId = 1000;
  private server!: Server;
  private api!: OpenAPIBackend;
  /** Checks a value against one component schema of the description, by name. */
  private schemaCheck!: (name: string) => SchemaCheck;
  url = '';
  initMs = 0;

  private constructor(
    readonly owner: string,
    readonly repo: string,
  ) {}

  static async start(owner = 'octo-org', repo = 'shop'): Promise<FakeGitHub> {
    const fake = new FakeGitHub(owner, repo);
    const t0 = performance.now();
    fake.api = new OpenAPIBackend({
      definition: subset().doc as never,
      // quick: validators compile on first use of each operation, not all at start.
      quick: true,
      validate: true,
      customizeAjv: (ajv) => {
        addFormats.default(ajv);
        fake.schemaCheck ??= componentChecker(ajv.constructor as AjvClass);
        return ajv;
      },
    });
    await fake.api.init();
    fake.server = createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    fake.initMs = performance.now() - t0;
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** "METHOD operationId" of every call, in order. */
  sequence(): string[] {
    return this.calls.map((c) => c.operationId ?? `${c.method} ${c.path}`);
  }

  reset(): void {
    this.calls.length = 0;
    this.violations.length = 0;
    this.responseViolations.length = 0;
  }

  private violation(method: string, path: string, reason: string): void {
    this.violations.push({ method, path, reason });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const query = Object.fromEntries(url.searchParams);
    const call: RecordedCall = {
      method,
      path: url.pathname,
      query,
      body: undefined,
      status: 0,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    };
    this.calls.push(call);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-request-id': `FAKE:${this.calls.length}`,
        ...headers,
      });
      res.end(JSON.stringify(body));
    };
    if (text) {
      try {
        call.body = JSON.parse(text);
      } catch {
        this.violation(method, url.pathname, 'body is not JSON');
        return answer(400, { message: 'Problems parsing JSON' });
      }
    }
    const request = {
      method,
      path: url.pathname,
      query,
      headers: req.headers as Record<string, string>,
      body: call.body,
    };
    const operation = this.api.matchOperation(request);
    if (!operation) {
      const known = subset().allRoutes.find((r) => r.method === method && r.pattern.test(url.pathname));
      this.violation(
        method,
        url.pathname,
        known
          ? `GitHub operation ${known.template} is not faked (add it to FAKED_OPERATIONS)`
          : 'no such GitHub REST operation',
      );
      return answer(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    }
    call.operationId = operation.operationId;
    const validation = this.api.validateRequest(request, operation);
    if (!validation.valid) {
      const errors = (validation.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ');
      this.violation(method, url.pathname, `${operation.operationId}: ${errors}`);
      return answer(422, { message: 'Validation Failed', errors: validation.errors });
    }
    const failure = this.failures.get(operation.operationId!);
    if (failure) return answer(failure, { message: `fake failure ${failure}` });
    const params = this.api.router.parseRequest(request, operation).params as Record<string, string>;
    const example = exampleFor(subset().doc, operation);
    const [status, full] = this.respond(
      operation.operationId!,
      params,
      query,
      (call.body ?? {}) as Json,
      example,
    );
    const { body, headers } = Array.isArray(full) ? this.page(url, full) : { body: full, headers: {} };
    if (status < 300) {
      const check = this.api.validateResponse(body, operation, status);
      if (!check.valid)
        this.responseViolations.push(
          `${operation.operationId} ${status}: ${(check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ')}`,
        );
    }
    answer(status, body, headers);
  }

  /** One page of a list answer (`page`, `per_page`; GitHub's default 30) and its Link header. */
  private page(url: URL, items: unknown[]): { body: unknown[]; headers: Record<string, string> } {
    const perPage = Number(url.searchParams.get('per_page') ?? 30);
    const page = Number(url.searchParams.get('page') ?? 1);
    const body = items.slice((page - 1) * perPage, page * perPage);
    if (page * perPage >= items.length) return { body, headers: {} };
    const next = new URL(url.pathname + url.search, this.url);
    next.searchParams.set('page', String(page + 1));
    return { body, headers: { link: `<${next.href}>; rel="next"` } };
  }

  private respond(
    operationId: string,
    params: Record<string, string>,
    query: Record<string, string>,
    body: Json,
    example: { status: number; body: unknown },
  ): [number, unknown] {
    const base = example.body as Json;
    const apiRepo = `${this.url}/repos/${this.owner}/${this.repo}`;
    const now = new Date().toISOString();
    switch (operationId) {
      case 'repos/get-collaborator-permission-level': {
        const who = this.collaborators.get(params.username!);
        if (!who) return [404, { message: 'Not Found' }];
        return [
          200,
          {
            ...base,
            ...who,
            user: { ...(base.user as Json), login: params.username, role_name: who.role_name },
          },
        ];
      }
      case 'pulls/get': {
        const pr = this.pulls.get(Number(params.pull_number));
        if (!pr) return [404, { message: 'Not Found' }];
        const head = base.head as Json;
        const headRepo =
          pr.headRepo === null
            ? null
            : { ...(head.repo as Json), full_name: pr.headRepo, name: pr.headRepo.split('/')[1] };
        const baseRef = base.base as Json;
        return [
          200,
          {
            ...base,
            number: Number(params.pull_number),
            requested_teams: [],
            state: pr.state ?? 'open',
            head: { ...head, sha: pr.headSha, repo: headRepo },
            base: {
              ...baseRef,
              repo: { ...(baseRef.repo as Json), full_name: `${this.owner}/${this.repo}`, name: this.repo },
            },
          },
        ];
      }
      case 'issues/list-events-for-timeline': {
        const pr = this.pulls.get(Number(params.issue_number));
        if (!pr) return [404, { message: 'Not Found' }];
        const comment = (base as unknown as Json[]).find((e) => e.event === 'commented')!;
        return [
          200,
          (pr.timeline ?? []).map((e, i) => {
            const item = this.timelineJson(comment, e, i);
            const problem = this.schemaCheck(TIMELINE_SCHEMAS[e.event])(item);
            if (problem) this.responseViolations.push(`timeline ${e.event}: ${problem}`);
            return item;
          }),
        ];
      }
      case 'pulls/list-commits': {
        const pr = this.pulls.get(Number(params.pull_number));
        if (!pr) return [404, { message: 'Not Found' }];
        const item = (base as unknown as Json[])[0]!;
        return [200, (pr.commits ?? [pr.headSha]).map((sha) => ({ ...item, sha, node_id: `C_${sha}` }))];
      }
      case 'repos/create-deployment': {
        const id = this.nextId++;
        const stored: StoredDeployment = { id, body, statuses: [], createdAt: now };
        this.deployments.push(stored);
        return [201, this.deploymentJson(base, stored)];
      }
      case 'repos/list-deployments': {
        const list = this.deployments
          .filter((d) => !query.environment || d.body.environment === query.environment)
          .filter((d) => !query.sha || d.body.ref === query.sha)
          .reverse()
          .slice(0, Number(query.per_page ?? 30));
        const item = (base as unknown as Json[])[0] ?? {};
        return [200, list.map((d) => this.deploymentJson(item, d))];
      }
      case 'repos/create-deployment-status': {
        const d = this.deployments.find((x) => x.id === Number(params.deployment_id));
        if (!d) return [404, { message: 'Not Found' }];
        const status = {
          ...base,
          id: this.nextId++,
          state: body.state,
          description: body.description ?? '',
          environment: d.body.environment,
          log_url: body.log_url ?? base.log_url,
          environment_url: body.environment_url ?? base.environment_url,
          deployment_url: `${apiRepo}/deployments/${d.id}`,
          created_at: now,
          updated_at: now,
        };
        d.statuses.push(status);
        return [201, status];
      }
      case 'repos/create-commit-status': {
        const status = {
          ...base,
          id: this.nextId++,
          state: body.state,
          context: body.context ?? 'default',
          description: body.description ?? null,
          target_url: body.target_url ?? null,
          created_at: now,
          updated_at: now,
        };
        this.commitStatuses.push({ ...status, sha: params.sha });
        return [201, status];
      }
      case 'issues/create-comment': {
        const comment = {
          ...base,
          id: this.nextId++,
          body: body.body,
          html_url: `https://github.com/${this.owner}/${this.repo}/pull/${params.issue_number}#issuecomment-${this.nextId}`,
          created_at: now,
          updated_at: now,
        };
        this.comments.push({ ...comment, issue_number: Number(params.issue_number) });
        return [201, comment];
      }
      case 'reactions/create-for-issue-comment':
        return [201, { ...base, id: this.nextId++, content: body.content, created_at: now }];
      default:
        return [example.status, base];
    }
  }

  /** A scripted timeline entry in the shape GitHub answers (the description's comment event as a template). */
  private timelineJson(comment: Json, e: TimelineEntry, index: number): Json {
    const user = (login: string) => ({
      ...(comment.user as Json),
      login,
      url: `https://api.github.com/users/${login}`,
    });
    const id = 5000 + index;
    const api = `${this.url}/repos/${this.owner}/${this.repo}`;
    const html = `https://github.com/${this.owner}/${this.repo}`;
    switch (e.event) {
      case 'committed': {
        const who = { name: 'Dev', email: 'dev@example.com', date: '2000-01-01T00:00:00Z' };
        return {
          event: 'committed',
          sha: e.sha,
          node_id: `C_${e.sha}`,
          url: `${api}/git/commits/${e.sha}`,
          html_url: `${html}/commit/${e.sha}`,
          author: who,
          committer: who,
          tree: { sha: e.sha, url: `${api}/git/trees/${e.sha}` },
          message: 'change',
          parents: [],
          verification: {
            verified: false,
            reason: 'unsigned',
            signature: null,
            payload: null,
            verified_at: null,
          },
        };
      }
      case 'commented':
        return {
          ...comment,
          id: e.id,
          user: user(e.user),
          actor: user(e.user),
          created_at: e.at,
          updated_at: e.at,
        };
      case 'reviewed':
        return {
          event: 'reviewed',
          id,
          node_id: `PRR_${id}`,
          user: user(e.user),
          body: null,
          state: e.state ?? 'approved',
          commit_id: e.commitId,
          html_url: `${html}/pull/1#pullrequestreview-${id}`,
          pull_request_url: `${api}/pulls/1`,
          _links: { html: { href: `${html}/pull/1` }, pull_request: { href: `${api}/pulls/1` } },
          author_association: 'MEMBER',
          submitted_at: e.at,
        };
      default:
        return {
          id,
          node_id: `HRFPE_${id}`,
          url: `${api}/issues/events/${id}`,
          actor: user(e.user),
          event: e.event,
          commit_id: e.commitId ?? null,
          commit_url: e.commitId ? `${api}/commits/${e.commitId}` : null,
          created_at: e.at,
          performed_via_github_app: null,
        };
    }
  }

  private deploymentJson(base: Json, d: StoredDeployment): Json {
    const b = d.body;
    return {
      ...base,
      id: d.id,
      url: `${this.url}/repos/${this.owner}/${this.repo}/deployments/${d.id}`,
      statuses_url: `${this.url}/repos/${this.owner}/${this.repo}/deployments/${d.id}/statuses`,
      sha: b.ref,
      ref: b.ref,
      task: b.task ?? 'deploy',
      payload: b.payload ?? {},
      environment: b.environment ?? 'production',
      description: b.description ?? null,
      transient_environment: b.transient_environment ?? false,
      production_environment: b.production_environment ?? b.environment === 'production',
      created_at: d.createdAt,
      updated_at: d.createdAt,
    };
  }

  /** The states posted for one deployment, in order. */
  deploymentStates(id: number): string[] {
    return (this.deployments.find((d) => d.id === id)?.statuses ?? []).map((s) => String(s.state));
  }
}
