/**
 * `npm run bench [-- suite...]`: runs every suite (or the named ones) and
 * prints one table: Chronicle next to the raw driver, measured in this run.
 * `--markdown` prints the table as Markdown for bench/RESULTS.md;
 * `--only=<text>` runs only the scenarios whose name contains the text.
 */
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import type { Measurement, Suite } from './scenario.js';

/** Every `src/*.bench.ts` file default-exports one suite. */
async function loadSuites(): Promise<Suite[]> {
  const files = (await readdir(new URL('.', import.meta.url))).filter((f) => f.endsWith('.bench.ts')).sort();
  return Promise.all(files.map(async (file) => ((await import(`./${file}`)) as { default: Suite }).default));
}

type Row = { suite: string; scenario: string; chronicle: Measurement; raw?: Measurement; ratio?: number; goal?: string; met?: boolean };

function format(m: Measurement | undefined): string {
  if (!m) return '-';
  if (Number.isNaN(m.value)) return m.note ?? '-';
  const digits = m.value >= 100 ? 0 : m.value >= 10 ? 1 : 2;
  return `${m.value.toLocaleString('en-US', { maximumFractionDigits: digits })} ${m.unit}${m.note ? ` (${m.note})` : ''}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const markdown = args.includes('--markdown');
  const wanted = args.filter((a) => !a.startsWith('--'));
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const suites = await loadSuites();
  const selected = wanted.length ? suites.filter((s) => wanted.includes(s.name)) : suites;
  if (selected.length === 0) throw new Error(`no suite named ${wanted.join(', ')}; have ${suites.map((s) => s.name).join(', ')}`);
  console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString()}`);
  const rows: Row[] = [];
  for (const suite of selected) {
    const teardown = suite.setup ? await suite.setup() : undefined;
    try {
      for (const scenario of suite.scenarios) {
        if (only && !scenario.name.includes(only)) continue;
        globalThis.gc?.();
        process.stdout.write(`${suite.name}: ${scenario.name} ... `);
        const chronicle = await scenario.chronicle();
        globalThis.gc?.();
        const raw = scenario.raw ? await scenario.raw() : undefined;
        const ratio = raw ? (chronicle.lowerIsBetter ? chronicle.value / raw.value : chronicle.value / raw.value) : undefined;
        const met =
          ratio === undefined || Number.isNaN(ratio) || scenario.goalRatio === undefined
            ? undefined
            : chronicle.lowerIsBetter
              ? ratio <= scenario.goalRatio
              : ratio >= scenario.goalRatio;
        rows.push({ suite: suite.name, scenario: scenario.name, chronicle, raw, ratio, goal: scenario.goal, met });
        console.log(`${format(chronicle)}${raw ? ` (raw ${format(raw)})` : ''}`);
      }
    } finally {
      await teardown?.();
    }
  }
  const header = ['store', 'scenario', 'chronicle', 'raw driver', 'ratio', 'goal'];
  const lines = rows.map((r) => [
    r.suite,
    r.scenario,
    format(r.chronicle),
    format(r.raw),
    r.ratio === undefined || Number.isNaN(r.ratio)
      ? '-'
      : r.chronicle.lowerIsBetter
        ? `${r.ratio.toFixed(2)}× time`
        : `${(r.ratio * 100).toFixed(0)}%`,
    r.goal ? `${r.goal}${r.met === undefined ? '' : r.met ? ' ✓' : ' ✗'}` : '-',
  ]);
  console.log();
  if (markdown) {
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map(() => '---').join('|')}|`);
    for (const line of lines) console.log(`| ${line.join(' | ')} |`);
  } else {
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
    const print = (cells: string[]): void => console.log(cells.map((c, i) => c.padEnd(widths[i]!)).join('  '));
    print(header);
    print(widths.map((w) => '-'.repeat(w)));
    for (const line of lines) print(line);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
