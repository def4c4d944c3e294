import { soak } from '../support/soak.js';

// `npm run soak [-- --kills N --changes N --seed N]`: the full soak, its figures as a table and JSON.
const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const report = await soak({
  kills: arg('kills', 20),
  changes: arg('changes', 60),
  seed: arg('seed', Date.now() % 100_000),
  log: (line) => process.stderr.write(`soak: ${line}\n`),
});
const rows: Array<[string, string | number]> = [
  ['seed (repeat with --seed)', report.seed],
  ['reconciler SIGKILLs', report.kills],
  ['manifests added / edited / removed', `${report.changes.added} / ${report.changes.edited} / ${report.changes.removed}`],
  ['also: folder deleted and re-created, a write on a full tmpfs, an engine restart', 'yes'],
  ['converged (every manifest running in its current version)', report.converged ? 'yes' : `NO: ${report.convergeError ?? ''}`],
  ['stale versions (a pod running an older manifest)', report.staleVersions.length],
  ['lost pods (a manifest without its pod)', report.lostPods.length],
  ['extra pods (a pod without its manifest)', report.extraPods.length],
  ['duplicates (two running containers for one name)', report.duplicates.length],
  ['needless restarts (pods whose manifest did not change)', report.needlessRestarts.length],
  ['temp files left', report.tempFiles.length],
  ['converged after the last change (s)', report.convergeSeconds],
  ['duration (s)', report.durationSeconds],
];
process.stdout.write(`${rows.map(([what, value]) => `${what.padEnd(58)} ${value}`).join('\n')}\n\n${JSON.stringify(report)}\n`);
const bad = (report.converged ? 0 : 1) + report.staleVersions.length + report.lostPods.length + report.extraPods.length + report.duplicates.length + report.needlessRestarts.length + report.tempFiles.length;
process.exitCode = bad > 0 ? 1 : 0;
