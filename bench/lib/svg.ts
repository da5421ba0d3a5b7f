// A hand-written SVG line chart (no chart dependency): seconds against hosts, log2 x axis.

export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: { x: number; y: number; note?: string }[];
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function lineChart(opts: {
  title: string;
  subtitle: string;
  xLabel: string;
  yLabel: string;
  xs: number[];
  series: Series[];
}): string {
  const W = 760;
  const H = 440;
  const m = { left: 64, right: 240, top: 64, bottom: 56 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const xMin = Math.log2(Math.min(...opts.xs));
  const xMax = Math.log2(Math.max(...opts.xs));
  const yMaxRaw = Math.max(1, ...opts.series.flatMap((s) => s.points.map((p) => p.y)));
  const step = niceStep(yMaxRaw / 5);
  const yMax = Math.ceil((yMaxRaw * 1.05) / step) * step;
  const X = (x: number) => m.left + (xMax === xMin ? pw / 2 : ((Math.log2(x) - xMin) / (xMax - xMin)) * pw);
  const Y = (y: number) => m.top + ph - (y / yMax) * ph;
  const f = (n: number) => n.toFixed(1);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="24" font-size="16" font-weight="bold">${esc(opts.title)}</text>`,
    `<text x="${m.left}" y="44" fill="#555">${esc(opts.subtitle)}</text>`,
  ];
  for (let y = 0; y <= yMax + 1e-9; y += step) {
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${f(Y(y))}" y2="${f(Y(y))}" stroke="#e5e5e5"/>`,
      `<text x="${m.left - 8}" y="${f(Y(y) + 4)}" text-anchor="end" fill="#333">${+y.toFixed(2)}</text>`,
    );
  }
  for (const x of opts.xs) {
    out.push(
      `<line x1="${f(X(x))}" x2="${f(X(x))}" y1="${m.top + ph}" y2="${m.top + ph + 5}" stroke="#333"/>`,
      `<text x="${f(X(x))}" y="${m.top + ph + 20}" text-anchor="middle" fill="#333">${x}</text>`,
    );
  }
  out.push(
    `<line x1="${m.left}" x2="${m.left + pw}" y1="${m.top + ph}" y2="${m.top + ph}" stroke="#333"/>`,
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + ph}" stroke="#333"/>`,
    `<text x="${m.left + pw / 2}" y="${H - 14}" text-anchor="middle">${esc(opts.xLabel)}</text>`,
    `<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`,
  );
  opts.series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p.y));
    if (pts.length > 1)
      out.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts.map((p) => `${f(X(p.x))},${f(Y(p.y))}`).join(' ')}"/>`,
      );
    for (const p of pts) {
      out.push(`<circle cx="${f(X(p.x))}" cy="${f(Y(p.y))}" r="3.5" fill="${s.color}"/>`);
      if (p.note)
        out.push(
          `<text x="${f(X(p.x) + 6)}" y="${f(Y(p.y) - 7)}" fill="${s.color}" font-size="11">${esc(p.note)}</text>`,
        );
    }
    const ly = m.top + 10 + i * 22;
    const lx = m.left + pw + 20;
    out.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${lx + 30}" y="${ly + 4}">${esc(s.label)}</text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const r = raw / p;
  return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * p;
}
