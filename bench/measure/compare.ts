// The same deploy by four tools: bluegreen, the parallel script, the sequential script and
// Ansible. Cold pulls, the same docker run, the same checks, the same nginx change. Each tool
// gets one untimed run first (page cache, Python byte code, ssh); the order of the tools
// rotates with every repetition, so no tool always goes first.
import { resetLab, type Lab, type LabHost } from '../../test/harness/lab.js';
import type { CompareRecord } from '../lib/results.js';
import {
  configFor,
  makeCold,
  runAnsible,
  runBluegreen,
  runScript,
  TOOL_NAMES,
  TOOLS,
  V1,
  verifyServing,
  type Tool,
  type ToolRun,
} from '../lib/tools.js';
import { log, sec } from '../lib/util.js';
import type { BenchContext } from './context.js';

function runTool(lab: Lab, tool: Tool, targets: LabHost[]): Promise<ToolRun> {
  switch (tool) {
    case 'bluegreen':
      return runBluegreen(configFor(lab, targets.length, 1), ['deploy', '--version', V1]);
    case 'parallel':
      return runScript(lab, { hosts: targets, version: V1, parallel: true });
    case 'sequential':
      return runScript(lab, { hosts: targets, version: V1, parallel: false });
    case 'ansible':
      return runAnsible(lab, targets, V1);
  }
}

export async function measureCompare(
  { lab, settings }: BenchContext,
  tools: readonly Tool[] = TOOLS,
): Promise<CompareRecord[]> {
  for (const tool of tools) {
    await resetLab(lab);
    await runTool(lab, tool, lab.hosts.green.slice(0, 1));
  }
  const out: CompareRecord[] = [];
  for (let rep = 0; rep < settings.reps; rep++) {
    for (const n of settings.compare) {
      const targets = lab.hosts.green.slice(0, n);
      const order = tools.map((_, i) => tools[(i + rep) % tools.length]!);
      for (const tool of order) {
        await resetLab(lab);
        await makeCold(targets);
        const run = await runTool(lab, tool, targets);
        await verifyServing(lab, targets, V1);
        out.push({ tool, hosts: n, rep, ms: run.ms });
        log(`compare ${rep + 1}/${settings.reps}: ${TOOL_NAMES[tool]} on ${n} host(s), cold: ${sec(run.ms)}`);
      }
    }
  }
  return out;
}
