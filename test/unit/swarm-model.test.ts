import { describe, expect, it } from 'vitest';
import { parseNodes, parseTasks, progressOf, taskError, type SwarmNode } from '../../src/swarm/model.js';

const node = (id: string, over: Partial<SwarmNode> = {}): SwarmNode => ({
  id,
  hostname: `host-${id}`,
  addr: `10.0.0.${id.length}`,
  state: 'ready',
  availability: 'active',
  labels: {},
  role: 'worker',
  ...over,
});
const task = (id: string, nodeId: string, state: string, run = 'r1', desired = 'running', err = '') =>
  JSON.stringify({
    ID: id,
    NodeID: nodeId,
    DesiredState: desired,
    Status: { State: state, Err: err, Message: state },
    Spec: { ContainerSpec: { Labels: { 'bluegreen.run': run } } },
  });

describe('swarm model', () => {
  it('reads nodes; a manager listening on 0.0.0.0 is reached at its advertised address', () => {
    const [n] = parseNodes(
      JSON.stringify({
        ID: 'm1',
        Description: { Hostname: 'dockerhost' },
        Status: { State: 'ready', Addr: '0.0.0.0' },
        ManagerStatus: { Addr: '10.88.0.2:2377' },
        Spec: { Availability: 'active', Role: 'manager', Labels: { pool: 'green' } },
      }),
    );
    expect(n).toMatchObject({ hostname: 'dockerhost', addr: '10.88.0.2', labels: { pool: 'green' } });
  });

  it('tells running, failed (new tasks of this run only), gone and waiting nodes apart', () => {
    const nodes = [node('a'), node('bb'), node('ccc', { state: 'down' }), node('dddd')];
    const tasks = parseTasks(
      [
        task('t1', 'a', 'running'),
        task('t2', 'bb', 'failed', 'r1', 'shutdown', 'task: non-zero exit (1)'),
        task('t0', 'dddd', 'failed', 'r1', 'shutdown'), // an old failure, before this look
        task('t3', 'dddd', 'preparing'),
      ].join('\n'),
    );
    const p = progressOf(['a', 'bb', 'ccc', 'dddd'], nodes, tasks, 'r1', new Set(['t0']));
    expect(p.map((x) => x.kind)).toEqual(['running', 'failed', 'gone', 'waiting']);
    const failed = p[1]!;
    expect(failed.kind === 'failed' && taskError(failed.task)).toBe('task: non-zero exit (1) (failed)');
  });

  it("ignores another run's running task (the previous release on that node)", () => {
    const tasks = parseTasks(task('t1', 'a', 'running', 'old'));
    expect(progressOf(['a'], [node('a')], tasks, 'r1', new Set())[0]!.kind).toBe('waiting');
  });
});
