import type { Outcome } from '../deploy/outcome.js';

// Plain-text rendering of an outcome, for the terminal.

export function formatStatus(o: Outcome): string {
  const s = o.status;
  if (!s) return o.message;
  const lines = [o.message];
  for (const p of s.pools ?? [])
    lines.push(
      `${p.role}: ${p.pool} ${p.version}${p.digest ? ` (${p.image ? `${p.image}@` : ''}${p.digest})` : p.imageId ? ` (image ID ${p.imageId}, streamed over SSH)` : ''}`,
    );
  if (s.previous) {
    const how =
      s.previous.kept === 'warm'
        ? `old pool warm (${s.previous.version}, still running outside the balancer${s.previous.stopAt ? `, stopped at ${s.previous.stopAt}` : ''}): a rollback only switches back`
        : s.previous.kept === 'stopped'
          ? `stopped, kept: a rollback starts it again (no pull)`
          : 'a rollback starts it again';
    lines.push(`previous: ${s.previous.version} on ${s.previous.pool}: ${how}`);
  }
  lines.push(
    `upstream: ${s.upstream.map((u) => `${u.host}:${u.port}${u.weight ? ` weight=${u.weight}` : ''}`).join(', ') || '(no servers)'}`,
  );
  for (const v of s.services ?? [])
    lines.push(
      `swarm: ${v.service} (${v.pool}): ${v.image ? `${v.image}${v.version ? ` (${v.version})` : ''}, ${v.running} task(s) running on ${v.placed} placed node(s)` : 'no such service'}`,
    );
  if (s.upstreamEditedByHand)
    lines.push('warning: the upstream file differs from what bluegreen last wrote (edited by hand?)');
  for (const b of s.balancers ?? []) {
    const k = b.caddy;
    if (k)
      lines.push(
        `balancer ${b.host}: caddy${k.version ? ` ${k.version}` : ''}, admin API ${k.admin} ${k.reachable ? 'reachable' : 'NOT reachable'}, ${k.upstreamFound ? 'reverse_proxy handler found' : `handler NOT found${k.problem ? `: ${k.problem}` : ''}`}${k.listenerMigration && k.listenerMigration !== 'on' ? `; net.ipv4.tcp_migrate_req ${k.listenerMigration === 'off' ? 'is 0' : 'unsupported'}: a connection arriving at a change can be reset` : ''}`,
      );
    const c = b.container;
    if (!c) continue;
    const view =
      c.inside === undefined
        ? 'balancer.file is NOT mounted into it'
        : c.sameFile === false
          ? `reads ${c.inside}, which is DIFFERENT from the host file (a replaced single-file mount: docker restart ${c.name})`
          : `reads balancer.file at ${c.inside}`;
    lines.push(`balancer ${b.host}: container ${c.name}: ${c.running ? 'running' : c.status}, ${view}`);
  }
  if (s.balancers && s.balancers.length > 1) {
    for (const b of s.balancers)
      lines.push(
        `balancer ${b.host}: sha256 ${b.sha256.slice(0, 12)}${b.drift ? '  DRIFT: differs from the first balancer' : ''}`,
      );
    if (s.drift)
      lines.push(
        "warning: the balancers' files differ; deploy/promote/rollback/scale refuse without --force",
      );
  }
  lines.push('');
  const header = ['HOST', 'POOL', 'ADDRESS', 'CONTAINER', 'STATE', 'VERSION', 'CHECK'];
  const rows = s.hosts.map((h) => [h.host, h.pool, h.address, h.container, h.state, h.version, h.check]);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows])
    lines.push(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  return lines.join('\n');
}

export function formatOutcome(o: Outcome): string {
  if (o.command === 'status') return formatStatus(o);
  const lines: string[] = [];
  if (o.plan?.length) lines.push('plan:', ...o.plan.map((p) => `  ${p}`));
  if (o.balancerDiff)
    lines.push(o.dryRun ? 'balancer change (not applied):' : 'balancer change:', o.balancerDiff.trimEnd());
  const verdict = o.dryRun ? 'dry run' : o.result;
  lines.push(`${verdict}: ${o.message} (${(o.durationMs / 1000).toFixed(1)}s)`);
  return lines.join('\n');
}
