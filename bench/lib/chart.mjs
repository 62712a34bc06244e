// An SVG bar chart of the comparison: per case, each side's speed relative to neurite at one
// thread (log scale, so 0.1× and 10× are as far from 1× as each other).
const COLORS = { neurite: '#2b6cb0', pytorch: '#e67e22', 'pytorch-skx': '#c0392b', 'tfjs-cpu': '#8e44ad', 'tfjs-wasm': '#16a085', onnxruntime: '#7f8c8d' };
const esc = (s) => String(s).replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]);

export function svgChart(results, cases, sides, label, primary) {
  const W = 760, left = 250, barH = 11, gap = 16;
  const lo = Math.log10(0.01), hi = Math.log10(100);
  const x = (v) => left + ((Math.log10(Math.min(100, Math.max(0.01, v))) - lo) / (hi - lo)) * (W - left - 60);
  let y = 40;
  const parts = [];
  for (const id of cases) {
    const ref = results[id]?.[label(primary(1))];
    if (!ref?.median) continue;
    const rows = sides.filter((s) => results[id]?.[label(s)]?.median);
    parts.push(`<text x="4" y="${y + 10}" font-weight="bold">${esc(id)}</text>`);
    for (const s of rows) {
      const r = results[id][label(s)];
      const speed = ref.median / r.median; // > 1: this side faster than neurite t1
      const color = s.neurite ? (s.be === 'js' ? '#63b3ed' : COLORS.neurite) : COLORS[s.name] ?? '#555';
      const bad = r.check && !r.check.ok ? ' ✗' : '';
      parts.push(`<text x="${left - 6}" y="${y + 9}" text-anchor="end">${esc(label(s))}</text>`,
        `<rect x="${x(0.01)}" y="${y}" width="${Math.max(1, x(speed) - x(0.01)).toFixed(1)}" height="${barH}" fill="${color}"/>`,
        `<text x="${(x(speed) + 4).toFixed(1)}" y="${y + 9}">${speed.toPrecision(2)}×${bad}</text>`);
      y += barH + 3;
    }
    y += gap;
  }
  const ticks = [0.01, 0.1, 1, 10, 100].map((v) => `<line x1="${x(v)}" y1="30" x2="${x(v)}" y2="${y}" stroke="#ccc"/><text x="${x(v)}" y="24" text-anchor="middle">${v}×</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y + 10}" font-family="sans-serif" font-size="10">
<text x="4" y="12" font-size="12">Speed relative to ${esc(label(primary(1)))} (higher is faster; log scale)</text>
${ticks.join('\n')}
${parts.join('\n')}
</svg>
`;
}
