// Zero downtime under load, on pools of settings.storyHosts hosts, both versions' images
// already on every host (pulled untimed): the windows show what each tool does to traffic.
// On this lab every host shares the machine's CPUs and disk, and a cold pull's extraction
// stalls the whole machine — nginx and the load generator included — which separate hosts
// would not do. The stories:
// bluegreen's deploy → promote → rollback; the script replacing green by blue in the
// correct order (start blue, check, add it, reload, remove green, reload), one host after
// the other and all at once (as bluegreen pulls); and the sequential script in the naive
// order (stop green, then switch) last, so the retries section's run follows it directly.
import { resetLab } from '../../test/harness/lab.js';
import type { LoadStory } from '../lib/results.js';
import {
  configFor,
  makeWarm,
  runBluegreen,
  runScript,
  V1,
  V2,
  verifyServing,
  type Order,
} from '../lib/tools.js';
import { poolsOf, type BenchContext } from './context.js';
import { steady, underLoad } from './story.js';

export async function bluegreenStory(ctx: BenchContext): Promise<LoadStory> {
  const { lab, settings } = ctx;
  const { green, blue } = poolsOf(lab, settings.storyHosts);
  const cfg = configFor(lab, settings.storyHosts, settings.storyHosts);
  await resetLab(lab);
  await makeWarm(lab, [...green, ...blue]);
  await runBluegreen(cfg, ['deploy', '--version', V1]);
  const actions = [`deploy ${V2} → blue`, 'promote', 'rollback'];
  const story = await underLoad(
    ctx,
    { story: 'bluegreen', tool: 'bluegreen' },
    [
      { window: actions[0]!, run: () => runBluegreen(cfg, ['deploy', '--version', V2]) },
      steady('steady (both pools)'),
      { window: actions[1]!, run: () => runBluegreen(cfg, ['promote']) },
      steady(`steady (${V2} on blue)`),
      { window: actions[2]!, run: () => runBluegreen(cfg, ['rollback']) },
      steady(`steady (${V1} on green)`),
    ],
    { actions, reloads: 3 },
  );
  await verifyServing(lab, green, V1);
  return story;
}

export const ORDER_STEPS: Record<Exclude<Order, 'switch-then-stop'>, string> = {
  'stop-first': 'start blue, stop green, switch, reload',
  'add-then-remove': 'start blue, add it, reload, remove green, reload',
};

/** The script (one host after the other, or all at once) replaces green (1.0.0) by blue (2.0.0) in `order`. */
export async function scriptStory(
  ctx: BenchContext,
  order: keyof typeof ORDER_STEPS,
  parallel = false,
): Promise<LoadStory> {
  const { lab, settings } = ctx;
  const { green, blue } = poolsOf(lab, settings.storyHosts);
  await resetLab(lab);
  await makeWarm(lab, [...green, ...blue]);
  await runScript(lab, { hosts: green, version: V1, parallel });
  const action = `deploy ${V2} → blue (${ORDER_STEPS[order]})`;
  const tool = parallel ? 'parallel' : 'sequential';
  const story = await underLoad(
    ctx,
    { story: `${tool} script, ${order}`, tool, order },
    [
      {
        window: action,
        run: () => runScript(lab, { hosts: blue, version: V2, parallel, oldHosts: green, order }),
      },
      steady(`steady (${V2} on blue)`),
    ],
    { actions: [action], reloads: order === 'stop-first' ? 1 : 2 },
  );
  await verifyServing(lab, blue, V2);
  return story;
}

export async function measureLoad(ctx: BenchContext): Promise<LoadStory[]> {
  return [
    await bluegreenStory(ctx),
    await scriptStory(ctx, 'add-then-remove', true),
    await scriptStory(ctx, 'add-then-remove'),
    await scriptStory(ctx, 'stop-first'),
  ];
}
