/** The report's arithmetic and layout, shared by the HTTP and the webhook measurements. */

/** The `p`th percentile (nearest rank) of values sorted in ascending order. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN;
}

/** The median of values in any order. */
export function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A plain-text table: the first column left-aligned, the others right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const format = (r: string[]) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  const [head, ...body] = rows;
  return [format(head ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(format)].join('\n');
}

/** Prints a loud warning on stderr: the figures it concerns do not describe what they claim to. */
export function warn(lines: string[]): void {
  const rule = '!'.repeat(100);
  process.stderr.write(`\n${rule}\n${lines.map((l) => `!! ${l}`).join('\n')}\n${rule}\n\n`);
}
