/**
 * Small SVG charts without dependencies: line charts (linear or logarithmic axes, optional
 * whiskers per point) and interval charts (a point estimate, its interval, its range and a
 * target per row). Text is escaped; the output is a complete standalone SVG document.
 */

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const round = (value) => Math.round(value * 10) / 10;

/** Splits text into lines of at most `width` characters, at spaces. */
function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of String(text).split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Title and subtitle lines from `top` on; returns the SVG elements and the height they take. */
function heading(title, subtitle, x, width) {
  const sub = subtitle ? wrap(subtitle, Math.floor((width - x) / 6.3)) : [];
  const elements = [
    `<text x="${x}" y="22" font-size="15" font-weight="600">${escape(title)}</text>`,
    ...sub.map((line, i) => `<text x="${x}" y="${40 + i * 16}" fill="#555">${escape(line)}</text>`),
  ];
  return { elements, height: 30 + sub.length * 16 };
}

/** A tick label: no trailing zeros, thousands as k. */
function label(value) {
  if (value !== 0 && Math.abs(value) >= 10_000) return `${round(value / 1000)}k`;
  return String(Number(value.toPrecision(4)));
}

/** Ticks at 1, 2 or 5 × 10^k covering [min, max], about `count` of them. */
function linearTicks(min, max, count = 5) {
  const span = max - min || Math.abs(max) || 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function logTicks(min, max, base) {
  const ticks = [];
  for (let e = Math.floor(Math.log(min) / Math.log(base)); base ** e <= max * (1 + 1e-9); e += 1)
    if (base ** e >= min * (1 - 1e-9)) ticks.push(base ** e);
  return ticks;
}

function scale(kind, [min, max], [from, to]) {
  if (kind === 'linear') return (v) => from + ((v - min) / (max - min || 1)) * (to - from);
  const log = (v) => Math.log(v);
  return (v) => from + ((log(v) - log(min)) / (log(max) - log(min) || 1)) * (to - from);
}

/** Pads a linear range so it starts at zero when the data allow, and ends on a tick. */
function linearDomain(values, fromZero) {
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (fromZero && min >= 0) min = 0;
  if (min === max) max = min + 1;
  const ticks = linearTicks(min, max);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  return [fromZero && min >= 0 ? 0 : Math.floor(min / step) * step, Math.ceil(max / step) * step];
}

/**
 * A line chart. `series`: `{ name, color, dashed?, points: [{ x, y, low?, high? }] }`; `x` and
 * `y` are `{ label, scale: 'linear' | 'log2' | 'log10', ticks? }`. Points with a `low`–`high`
 * get a whisker. The legend lists the series in order.
 */
export function lineChart({ title, subtitle, x, y, series, width = 760, height = 420 }) {
  const legendWidth = 250;
  const head = heading(title, subtitle, 72, width - 16);
  const margin = { top: head.height + 14, right: legendWidth + 16, bottom: 52, left: 72 };
  const plot = { left: margin.left, right: width - margin.right, top: margin.top, bottom: height - margin.bottom };
  const points = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = points.map((p) => p.x);
  const ys = points.flatMap((p) => [p.y, p.low, p.high].filter(Number.isFinite));
  const kind = (axis) => (axis.scale === 'linear' ? 'linear' : 'log');
  const domain = (axis, values) =>
    axis.scale === 'linear' ? linearDomain(values, axis.fromZero ?? true) : [Math.min(...values), Math.max(...values)];
  // The x axis ends at the data: a level or a minute past the last one means nothing.
  const xDomain = x.scale === 'linear' ? [x.fromZero === false ? Math.min(...xs) : Math.min(0, ...xs), Math.max(...xs)] : domain(x, xs);
  const yDomain = domain(y, ys);
  const sx = scale(kind(x), xDomain, [plot.left, plot.right]);
  const sy = scale(kind(y), yDomain, [plot.bottom, plot.top]);
  const ticksOf = (axis, [min, max]) =>
    axis.ticks ?? (axis.scale === 'linear' ? linearTicks(min, max) : logTicks(min, max, axis.scale === 'log2' ? 2 : 10));

  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...head.elements,
  ];
  for (const t of ticksOf(y, yDomain)) {
    const py = round(sy(t));
    out.push(
      `<line x1="${plot.left}" x2="${plot.right}" y1="${py}" y2="${py}" stroke="#e5e5e5"/>`,
      `<text x="${plot.left - 8}" y="${py + 4}" text-anchor="end" fill="#444">${label(t)}</text>`,
    );
  }
  for (const t of ticksOf(x, xDomain)) {
    const px = round(sx(t));
    out.push(
      `<line x1="${px}" x2="${px}" y1="${plot.top}" y2="${plot.bottom}" stroke="#f0f0f0"/>`,
      `<text x="${px}" y="${plot.bottom + 18}" text-anchor="middle" fill="#444">${label(t)}</text>`,
    );
  }
  out.push(
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="#999"/>`,
    `<text x="${(plot.left + plot.right) / 2}" y="${height - 12}" text-anchor="middle">${escape(x.label)}</text>`,
    `<text transform="translate(18 ${(plot.top + plot.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(y.label)}</text>`,
  );
  series.forEach((s, i) => {
    const valid = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const path = valid.map((p, j) => `${j === 0 ? 'M' : 'L'}${round(sx(p.x))},${round(sy(p.y))}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<g stroke="${s.color}" fill="${s.color}">`);
    for (const p of valid) {
      if (Number.isFinite(p.low) && Number.isFinite(p.high))
        out.push(
          `<line x1="${round(sx(p.x))}" x2="${round(sx(p.x))}" y1="${round(sy(p.low))}" y2="${round(sy(p.high))}" stroke-width="1.5" opacity="0.6"/>`,
        );
    }
    if (valid.length > 1) out.push(`<path d="${path}" fill="none" stroke-width="2"${dash}/>`);
    if (!s.noMarkers) for (const p of valid) out.push(`<circle cx="${round(sx(p.x))}" cy="${round(sy(p.y))}" r="2.5"/>`);
    out.push('</g>');
    const ly = plot.top + 8 + i * 20;
    out.push(
      `<line x1="${plot.right + 16}" x2="${plot.right + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${plot.right + 46}" y="${ly + 4}">${escape(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/**
 * Intervals, one row each: `{ label, value, low, high, min, max, target? }`. The thick bar is
 * `low`–`high` (the 95 % interval), the thin one `min`–`max` (the rounds), the dot the value,
 * the red tick the target; a dashed line marks 1.
 */
export function intervalChart({ title, subtitle, rows, xLabel, width = 760 }) {
  const rowHeight = 34;
  const labelWidth = 330;
  const head = heading(title, subtitle, 12, width - 12);
  const margin = { top: head.height + 18, bottom: 52, left: labelWidth, right: 24 };
  const height = margin.top + rows.length * rowHeight + margin.bottom;
  const values = rows.flatMap((r) => [r.value, r.low, r.high, r.min, r.max, r.target]).filter(Number.isFinite);
  const [min, max] = [Math.min(1, ...values), Math.max(1, ...values)];
  const pad = (max - min) * 0.08 || 0.05;
  const domain = [min - pad, max + pad];
  const plot = { left: margin.left, right: width - margin.right, top: margin.top, bottom: height - margin.bottom };
  const sx = scale('linear', domain, [plot.left, plot.right]);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...head.elements,
  ];
  for (const t of linearTicks(domain[0], domain[1], 6)) {
    const px = round(sx(t));
    out.push(
      `<line x1="${px}" x2="${px}" y1="${plot.top}" y2="${plot.bottom}" stroke="#eee"/>`,
      `<text x="${px}" y="${plot.bottom + 18}" text-anchor="middle" fill="#444">${label(t)}</text>`,
    );
  }
  out.push(`<line x1="${round(sx(1))}" x2="${round(sx(1))}" y1="${plot.top}" y2="${plot.bottom}" stroke="#666" stroke-dasharray="4 3"/>`);
  rows.forEach((r, i) => {
    const cy = plot.top + i * rowHeight + rowHeight / 2;
    out.push(`<text x="${plot.left - 10}" y="${cy + 4}" text-anchor="end">${escape(r.label)}</text>`);
    if (Number.isFinite(r.min) && Number.isFinite(r.max))
      out.push(`<line x1="${round(sx(r.min))}" x2="${round(sx(r.max))}" y1="${cy}" y2="${cy}" stroke="#9ab" stroke-width="1.5"/>`);
    if (Number.isFinite(r.low) && Number.isFinite(r.high))
      out.push(
        `<line x1="${round(sx(r.low))}" x2="${round(sx(r.high))}" y1="${cy}" y2="${cy}" stroke="#1f5f99" stroke-width="6" opacity="0.8"/>`,
      );
    if (Number.isFinite(r.target))
      out.push(
        `<line x1="${round(sx(r.target))}" x2="${round(sx(r.target))}" y1="${cy - 11}" y2="${cy + 11}" stroke="#c0392b" stroke-width="2.5"/>`,
      );
    out.push(`<circle cx="${round(sx(r.value))}" cy="${cy}" r="4" fill="#0b3050"/>`);
  });
  out.push(`<text x="${(plot.left + plot.right) / 2}" y="${height - 12}" text-anchor="middle">${escape(xLabel)}</text>`, '</svg>');
  return `${out.join('\n')}\n`;
}
