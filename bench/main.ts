// `npm run bench [-- --quick] [-- --json FILE] [-- --only STEP,...]`: kubeboot measured side by side with its baselines in one
// run on this machine (ratios, not absolute times, are what carry over). Prints a table; with --json
// also writes the rows as JSON and a bar chart of the ratios as SVG next to it.
import { writeFile } from 'node:fs/promises';
import Docker from 'dockerode';
import { cliRows } from './cli.js';
import { initRows, footprintRows } from './control-plane.js';
import { joinRows } from './join.js';
import { watchRows } from './watch.js';
import { pkiRows } from './pki.js';
import { convergeRows, Podman, reactionRows } from './pods.js';
import { processConvergeRows, processReactionRows } from './processes.js';
import { BENCH_LABEL, benchRun, removeContainers, type Row } from './support.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
// --only NAME[,NAME]: just these steps (e.g. --only CLI,PKI), for working on one of them.
// Steps: PKI, CLI, converge, watch, reaction, processes (the process runtime), init, join, footprint.
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',') : undefined;
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
if ((jsonAt >= 0 && !jsonFile) || (onlyAt >= 0 && !args[onlyAt + 1])) {
  process.stderr.write('usage: npm run bench -- [--quick] [--json FILE] [--only STEP,STEP]\n');
  process.exit(2);
}

const docker = new Docker();
let podman: Podman | undefined;

async function cleanup(): Promise<void> {
  await removeContainers(docker, `${BENCH_LABEL}`).catch(() => undefined);
  const mine = await docker.listContainers({ all: true, filters: { label: ['io.kubeboot.node'] } }).catch(() => []);
  await Promise.all(mine.filter((c) => c.Labels['io.kubeboot.node']?.startsWith(benchRun)).map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  await podman?.teardown().catch(() => undefined);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up what the benchmark made...\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

function table(rows: Row[]): string {
  const header = ['BENCHMARK', 'VALUE (p50)', 'p95', 'BASELINE (p50)', 'RATIO', 'RUNS', 'TARGET', 'NOTE'];
  const body = rows.map((r) => [
    r.name,
    `${r.value} ${r.unit}`,
    `${r.p95} ${r.unit}`,
    r.baseline === null ? '-' : `${r.baseline} ${r.unit} (${r.baselineName})`,
    r.ratio === null ? '-' : `${r.ratio.toFixed(2)}×`,
    String(r.runs),
    r.target ?? '',
    r.note ?? '',
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((line) => line[i]!.length)));
  return [header, ...body].map((line) => line.map((cell, i) => cell.padEnd(widths[i]! + 2)).join('').trimEnd()).join('\n');
}

/** A horizontal bar per row with a baseline: the ratio, with the 1.0 line marked. */
function svg(rows: Row[]): string {
  const withRatio = rows.filter((r) => r.ratio !== null);
  const max = Math.max(2, ...withRatio.map((r) => r.ratio!));
  const width = 900;
  const label = 430;
  const scale = (width - label - 60) / max;
  const bars = withRatio
    .map((r, i) => {
      const y = 30 + i * 26;
      const w = Math.max(1, r.ratio! * scale);
      const color = r.ratio! <= 1 ? '#2e7d32' : '#c62828';
      const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
      return `<text x="${label - 8}" y="${y + 14}" text-anchor="end" font-size="12">${esc(r.name)}</text><rect x="${label}" y="${y}" width="${w.toFixed(1)}" height="18" fill="${color}"/><text x="${(label + w + 6).toFixed(1)}" y="${y + 14}" font-size="12">${r.ratio!.toFixed(2)}×</text>`;
    })
    .join('\n');
  const height = 50 + withRatio.length * 26;
  const one = label + scale;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<text x="10" y="18" font-size="13" font-weight="bold">kubeboot / baseline (lower is better; the line is 1.0)</text>
${bars}
<line x1="${one.toFixed(1)}" y1="24" x2="${one.toFixed(1)}" y2="${height - 10}" stroke="#333" stroke-dasharray="4 3"/>
</svg>
`;
}

async function main(): Promise<void> {
  await docker.ping().catch(() => {
    throw new Error('no Docker engine answers: run through `npm run bench`, which starts one (scripts/bench.sh)');
  });
  const rows: Row[] = [];
  const failed: Array<{ step: string; error: string }> = [];
  // A step that fails is reported as failed; the other steps still run, and every row measured is printed and written.
  const step = async (what: string, fn: () => Promise<Row[]>) => {
    if (only && !only.includes(what)) return;
    process.stderr.write(`bench: ${what}...\n`);
    const start = Date.now();
    try {
      rows.push(...(await fn()));
      process.stderr.write(`bench: ${what} done in ${((Date.now() - start) / 1000).toFixed(0)}s\n`);
    } catch (err) {
      const error = (err as Error).message.split('\n')[0] ?? String(err);
      failed.push({ step: what, error });
      process.stderr.write(`bench: ${what} FAILED after ${((Date.now() - start) / 1000).toFixed(0)}s: ${error}\n`);
    }
  };
  try {
    await step('PKI', () => pkiRows(quick ? 2 : 5));
    await step('CLI', () => cliRows(docker, quick ? 10 : 30));
    if (!only || only.includes('converge')) podman = new Podman();
    try {
      await podman?.setup(docker);
    } catch (err) {
      process.stderr.write(`bench: podman is not usable here (${(err as Error).message.split('\n')[0]}); its baseline is left out\n`);
      await podman?.teardown();
      podman = undefined;
    }
    await step('converge', () => convergeRows(docker, quick ? [[10, 1], [50, 1]] : [[10, 15], [50, 9]], podman));
    await podman?.teardown();
    podman = undefined;
    await step('watch', () => watchRows(quick ? 5 : 20));
    await step('reaction', () => reactionRows(docker, quick ? 5 : 20));
    await step('processes', async () => [...(await processConvergeRows([10, 50], quick ? 1 : 3)), ...(await processReactionRows(quick ? 5 : 20))]);
    await step('init', () => initRows(quick ? 1 : 3));
    await step('join', () => joinRows(quick ? 1 : 3));
    await step('footprint', () => footprintRows(docker, quick ? 10 : 60));
  } finally {
    await cleanup();
  }
  process.stdout.write(`\n${table(rows)}\n`);
  for (const { step: what, error } of failed) process.stdout.write(`FAILED: the ${what} step: ${error}\n`);
  if (jsonFile) {
    // The rows as before (an array), with a failed step as a row of its own that has no value.
    const failedRows = failed.map(({ step: what, error }) => ({ name: `${what} (step failed)`, failed: true, error }));
    await writeFile(jsonFile, `${JSON.stringify([...rows, ...failedRows], null, 2)}\n`);
    const svgFile = jsonFile.replace(/\.json$/, '') + '.svg';
    await writeFile(svgFile, svg(rows));
    process.stdout.write(`\nwrote ${jsonFile} and ${svgFile}\n`);
  }
  if (failed.length > 0) process.exitCode = 1;
}

main().catch(async (err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  await cleanup();
  process.exit(1);
});
