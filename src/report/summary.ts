import * as core from '@actions/core';
import type { HostReport, Outcome, PoolView } from '../deploy/outcome.js';

// Markdown views of an outcome: the job summary (hosts × steps, the balancer's diff, the pools
// before and after as a Mermaid diagram) and the shorter reply to a PR comment.

export interface RunLinks {
  runUrl: string;
  environment: string;
}

const VERDICT: Record<Outcome['result'], string> = {
  success: '✅ success',
  failure: '❌ failure',
  rolled_back: '↩️ rolled back',
};

/** Table cells hold host names, tags and engine messages: keep them from breaking the table. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function verdict(o: Outcome): string {
  return o.dryRun ? '🧪 dry run' : VERDICT[o.result];
}

export function headline(o: Outcome, env: string): string {
  return `bluegreen \`${o.command}\`${o.version ? ` ${o.version}` : ''} → ${env}: ${verdict(o)}`;
}

function poolLabel(v: PoolView | undefined): string {
  return v ? `${v.version} ${v.role} (${v.hosts.length} host${v.hosts.length === 1 ? '' : 's'})` : '—';
}

export function poolsTable(o: Outcome): string {
  const rows = (['green', 'blue'] as const).map((pool) => {
    const before = o.before.find((v) => v.pool === pool);
    const after = o.after.find((v) => v.pool === pool);
    return `| ${pool} | ${cell(poolLabel(before))} | ${cell(poolLabel(after))} |`;
  });
  return ['| pool | before | after |', '| --- | --- | --- |', ...rows].join('\n');
}

/** One row per host, one column per step (in the order steps first appear), time and result in each cell. */
export function hostsTable(hosts: HostReport[]): string {
  if (hosts.length === 0) return '';
  const steps: string[] = [];
  for (const h of hosts) for (const s of h.steps) if (!steps.includes(s.step)) steps.push(s.step);
  const header = `| host | pool | ${steps.map(cell).join(' | ')} |`;
  const rule = `| --- | --- | ${steps.map(() => '---').join(' | ')} |`;
  const rows = hosts.map((h) => {
    const cells = steps.map((name) => {
      const s = h.steps.filter((x) => x.step === name).at(-1);
      if (!s) return '';
      return `${s.ok ? '✅' : '❌'} ${seconds(s.ms)}${!s.ok && s.detail ? ` ${cell(s.detail)}` : ''}`;
    });
    return `| ${cell(h.host)} | ${h.pool} | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}

function statusTable(o: Outcome): string {
  const s = o.status;
  if (!s || s.hosts.length === 0) return '';
  const rows = s.hosts.map(
    (h) =>
      `| ${cell(h.host)} | ${h.pool} | ${cell(h.container)} | ${cell(h.state)} | ${cell(h.version)} | ${h.ok ? '✅' : '❌'} ${cell(h.check)} |`,
  );
  return [
    '| host | pool | container | state | version | check |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** Mermaid node text: versions and host names are validated, but quotes would end the label. */
function label(text: string): string {
  return text.replace(/["<>]/g, '');
}

export function poolsDiagram(o: Outcome): string {
  const lines = ['flowchart LR'];
  for (const [side, views] of [
    ['before', o.before],
    ['after', o.after],
  ] as const) {
    lines.push(`  subgraph ${side}`, `    ${side}_balancer(["balancer"])`);
    if (views.length === 0) lines.push(`    ${side}_none["no pool"]`);
    for (const v of views) {
      lines.push(
        `    ${side}_${v.pool}["${label(`${v.pool}: ${v.version}`)}<br/>${label(v.hosts.join(', '))}"]`,
      );
      lines.push(
        `    ${side}_balancer ${v.role === 'live' ? '-->|live|' : '-.->|candidate|'} ${side}_${v.pool}`,
      );
    }
    lines.push('  end');
  }
  return ['```mermaid', ...lines, '```'].join('\n');
}

function fenced(lang: string, text: string): string {
  // A diff can hold ``` itself; a longer fence keeps it inside the block.
  const fence = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${fence}${lang}\n${text.trimEnd()}\n${fence}`;
}

export function summaryMarkdown(o: Outcome, links: RunLinks): string {
  const parts = [
    `## ${headline(o, links.environment)}`,
    '',
    `> ${cell(o.message)}`,
    '',
    `Took ${seconds(o.durationMs)}. App: ${o.balancerUrl}`,
  ];
  if (o.image && o.digest) parts.push('', `Image: \`${o.image}@${o.digest}\``);
  if (o.command !== 'status' || o.before.length > 0)
    parts.push('', '### Pools', '', poolsTable(o), '', poolsDiagram(o));
  const status = statusTable(o);
  if (status) parts.push('', '### Hosts', '', status);
  const hosts = hostsTable(o.hosts);
  if (hosts) parts.push('', '### Steps per host', '', hosts);
  if (o.plan?.length) parts.push('', '### Plan', '', fenced('text', o.plan.join('\n')));
  if (o.balancerDiff)
    parts.push(
      '',
      `### Balancer change${o.dryRun ? ' (not applied)' : ''}`,
      '',
      fenced('diff', o.balancerDiff),
    );
  return `${parts.join('\n')}\n`;
}

/**
 * The reply to a PR comment: verdict, versions and pools, host counts, and the run. Anyone
 * who can read the pull request reads it, so host names and addresses, checks and container
 * logs stay in the job summary; the engine's message is shown only when `showMessage` (a
 * success, or a refusal before any host was touched).
 */
export function commentMarkdown(o: Outcome, links: RunLinks, showMessage: boolean): string {
  const message = showMessage
    ? cell(o.message)
    : 'failed: which host and why (checks, container logs) is in the job summary of the run';
  const parts = [`**${headline(o, links.environment)}**`, '', `> ${message}`, '', poolsTable(o)];
  if (o.digest) parts.push('', `Image digest: \`${o.digest}\``);
  const results =
    o.command === 'status'
      ? (o.status?.hosts ?? []).map((h) => h.ok)
      : o.hosts.map((h) => h.steps.every((s) => s.ok));
  if (results.length > 0) {
    const failed = results.filter((ok) => !ok).length;
    parts.push(
      '',
      `Hosts: ${results.length - failed} ok${failed ? `, ${failed} failed` : ''} (details in the job summary)`,
    );
  }
  parts.push('', `[Workflow run](${links.runUrl})`);
  return parts.join('\n');
}

/** Appends to the job summary file; outside Actions (no GITHUB_STEP_SUMMARY) only warns. */
export async function writeJobSummary(markdown: string): Promise<void> {
  try {
    await core.summary.addRaw(markdown).write();
  } catch (err) {
    core.warning(`could not write the job summary: ${(err as Error).message}`);
  }
}
