// What a Swarm manager says about nodes, services and tasks (`docker … inspect --format
// '{{json .}}'`, one JSON document per line), reduced to what bluegreen decides with, and the
// decisions themselves: which nodes form a pool, and how far a start has come.

export interface SwarmNode {
  id: string;
  hostname: string;
  /** The address the node reaches the manager from: where its host-network tasks listen. */
  addr: string;
  /** ready, down, unknown, disconnected */
  state: string;
  /** active, pause, drain */
  availability: string;
  labels: Record<string, string>;
  role: string;
}

export interface SwarmTask {
  id: string;
  nodeId: string;
  /** running, shutdown, … (what Swarm wants) */
  desired: string;
  /** new … running, complete, shutdown, failed, rejected, orphaned (what it is) */
  state: string;
  err: string;
  message: string;
  labels: Record<string, string>;
}

export interface SwarmService {
  id: string;
  name: string;
  /** The image of its spec, `repository@sha256:…` (Swarm may add the tag: `repo:tag@sha256:…`). */
  image: string;
  labels: Record<string, string>;
  containerLabels: Record<string, string>;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));

function jsonLines(stdout: string, what: string): Json[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Json;
      } catch {
        throw new Error(`cannot read the ${what} the manager printed: ${l.slice(0, 80)}`);
      }
    });
}

export function parseNodes(stdout: string): SwarmNode[] {
  return jsonLines(stdout, 'nodes').map((n) => {
    const spec = obj(n.Spec);
    const status = obj(n.Status);
    const manager = obj(n.ManagerStatus);
    // A manager's Status.Addr can be 0.0.0.0 (it listens on all addresses): its advertised one.
    let addr = str(status.Addr);
    if ((addr === '' || addr === '0.0.0.0') && str(manager.Addr))
      addr = str(manager.Addr).replace(/:\d+$/, '');
    return {
      id: str(n.ID),
      hostname: str(obj(n.Description).Hostname),
      addr,
      state: str(status.State),
      availability: str(spec.Availability),
      labels: strings(spec.Labels),
      role: str(spec.Role),
    };
  });
}

export function parseTasks(stdout: string): SwarmTask[] {
  return jsonLines(stdout, 'tasks').map((t) => {
    const status = obj(t.Status);
    return {
      id: str(t.ID),
      nodeId: str(t.NodeID),
      desired: str(t.DesiredState),
      state: str(status.State),
      err: str(status.Err),
      message: str(status.Message),
      labels: strings(obj(obj(obj(t.Spec).ContainerSpec)).Labels),
    };
  });
}

/** The service, or undefined when the manager says there is no such service. */
export function parseService(stdout: string): SwarmService | undefined {
  const [s] = jsonLines(stdout, 'service');
  if (!s) return undefined;
  const spec = obj(s.Spec);
  const container = obj(obj(spec.TaskTemplate).ContainerSpec);
  return {
    id: str(s.ID),
    name: str(spec.Name),
    image: str(container.Image),
    labels: strings(spec.Labels),
    containerLabels: strings(container.Labels),
  };
}

/** The digest in an image reference (`…@sha256:…`), if any. */
export function digestOf(image: string): string | undefined {
  return /@(sha256:[0-9a-f]{64})$/.exec(image)?.[1];
}

/** Splits a snapshot (swarm.snapshot): nodes, then the service's tasks. */
export function parseSnapshot(stdout: string, separator: string): { nodes: SwarmNode[]; tasks: SwarmTask[] } {
  const at = stdout.indexOf(separator);
  if (at < 0) throw new Error('the manager printed no task list');
  return { nodes: parseNodes(stdout.slice(0, at)), tasks: parseTasks(stdout.slice(at + separator.length)) };
}

/** A node can run a task now: up, and not paused or drained by the operator. */
export function isSchedulable(n: SwarmNode): boolean {
  return n.state === 'ready' && n.availability === 'active';
}

export function hasLabel(n: SwarmNode, key: string, value: string): boolean {
  return n.labels[key] === value;
}

/** What a start has come to on one node. */
export type NodeProgress =
  | { node: SwarmNode; kind: 'running'; task: SwarmTask }
  | { node: SwarmNode; kind: 'failed'; task: SwarmTask }
  | { node: SwarmNode; kind: 'gone' }
  | { node: SwarmNode; kind: 'waiting'; task?: SwarmTask };

/** Task states after which a task will not run (Swarm may start another in its place). */
const FAILED = new Set(['failed', 'rejected']);

/**
 * How far a start has come on each of `expected` (node IDs): running (a task of run `run`
 * runs there), failed (a task of this run that did not exist `before` failed or was rejected:
 * the start fails), gone (the node went down or was drained: Swarm runs nothing there, the
 * start goes on without it), or still waiting.
 */
export function progressOf(
  expected: string[],
  nodes: SwarmNode[],
  tasks: SwarmTask[],
  run: string,
  before: Set<string>,
): NodeProgress[] {
  return expected.map((id): NodeProgress => {
    const node = nodes.find((n) => n.id === id) ?? {
      id,
      hostname: id.slice(0, 12),
      addr: '',
      state: 'down',
      availability: 'active',
      labels: {},
      role: 'worker',
    };
    const mine = tasks.filter((t) => t.nodeId === id && t.labels['bluegreen.run'] === run);
    const running = mine.find((t) => t.desired === 'running' && t.state === 'running');
    if (running) return { node, kind: 'running', task: running };
    const failed = mine.find((t) => !before.has(t.id) && FAILED.has(t.state));
    if (failed) return { node, kind: 'failed', task: failed };
    if (!isSchedulable(node)) return { node, kind: 'gone' };
    const latest = mine.find((t) => t.desired === 'running');
    return latest ? { node, kind: 'waiting', task: latest } : { node, kind: 'waiting' };
  });
}

/** A task's error as Swarm reports it: "task: non-zero exit (1)", "No such image: …". */
export function taskError(t: SwarmTask): string {
  return (
    [t.err, t.message && t.message !== t.err ? `(${t.message})` : ''].filter(Boolean).join(' ') || t.state
  );
}
