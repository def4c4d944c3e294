import { Argument, Command } from 'commander';
import { stringify } from 'yaml';
import { humanDuration } from '../util/duration.js';
import { addConfigFileOptions, loadConfigFromOptions, type ConfigOptions } from './config-options.js';
import { KubebootError } from '../util/errors.js';
import { withExamples } from './help.js';
import { outputOption } from './output-format.js';

// Go's "Jan 02, 2006 15:04 MST" as kubeadm prints it. Not toLocaleString: loading ICU's data for it cost ~15 ms a run.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function formatDate(date: Date | undefined): string {
  if (!date) return '<missing>';
  const month = MONTHS[date.getUTCMonth()]!;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${month} ${pad(date.getUTCDate())}, ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n');
}

/** Files that exist but cannot be read as certificates are errors: named, with why, exit 1. */
function failOnUnreadable(report: import('../pki/expiration.js').ExpirationReport): void {
  const bad = [...report.certificateAuthorities, ...report.certificates].filter((e) => e.problem);
  if (bad.length === 0) return;
  throw new KubebootError(`${bad.length === 1 ? 'a certificate' : `${bad.length} certificates`} cannot be read or ${bad.length === 1 ? 'does' : 'do'} not belong with ${bad.length === 1 ? 'its' : 'their'} key or CA`, {
    details: bad.map((e) => `\t${e.file}: ${e.problem}`),
    hint: 'Restore the files named above, or renew them: kubeboot certs renew <name>',
  });
}

function checkExpirationCommand(): Command {
  const command = new Command('check-expiration').description('show when each certificate and CA expires, including those embedded in kubeconfig files');
  addConfigFileOptions(command)
    .addOption(outputOption(['text', 'json', 'yaml']))
    .action(async (options: ConfigOptions & { output: string }) => {
      const [{ config }, { checkExpiration }, { Host }] = await Promise.all([loadConfigFromOptions(options), import('../pki/expiration.js'), import('../util/host.js')]);
      const report = await checkExpiration(config, await Host.open(options.rootfs));
      const now = Date.now();
      if (options.output !== 'text') {
        const entry = (e: (typeof report.certificates)[number]) => ({
          name: e.name,
          ...(e.expirationDate ? { expirationDate: e.expirationDate.toISOString(), residualTime: (e.expirationDate.getTime() - now) * 1e6 } : {}),
          ...(e.certificateAuthority ? { certificateAuthority: e.certificateAuthority } : {}),
          externallyManaged: e.externallyManaged,
          ...(e.missing ? { missing: true } : {}),
          ...(e.problem ? { problem: e.problem } : {}),
        });
        const document = {
          kind: 'CertificateExpirationInfo',
          apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
          certificates: report.certificates.map(entry),
          certificateAuthorities: report.certificateAuthorities.map(entry),
        };
        process.stdout.write(options.output === 'json' ? `${JSON.stringify(document, null, 2)}\n` : stringify(document));
        failOnUnreadable(report);
        return;
      }
      const residual = (date?: Date) => (date ? humanDuration(date.getTime() - now) : '');
      const yesNo = (value: boolean) => (value ? 'yes' : 'no');
      process.stdout.write(
        `${table([
          ['CERTIFICATE', 'EXPIRES', 'RESIDUAL TIME', 'CERTIFICATE AUTHORITY', 'EXTERNALLY MANAGED'],
          ...report.certificates.map((e) => [e.name, e.problem ? (e.mismatched ? '<mismatched>' : '<unreadable>') : formatDate(e.expirationDate), residual(e.expirationDate), e.certificateAuthority ?? '', yesNo(e.externallyManaged)]),
        ])}\n\n${table([
          ['CERTIFICATE AUTHORITY', 'EXPIRES', 'RESIDUAL TIME', 'EXTERNALLY MANAGED'],
          ...report.certificateAuthorities.map((e) => [e.name, e.problem ? (e.mismatched ? '<mismatched>' : '<unreadable>') : formatDate(e.expirationDate), residual(e.expirationDate), yesNo(e.externallyManaged)]),
        ])}\n`,
      );
      const missing = [...report.certificates, ...report.certificateAuthorities].filter((e) => e.missing);
      if (missing.length > 0) process.stderr.write(`\n${missing.length} missing: ${missing.map((e) => e.file).join(', ')}\nCreate them with: kubeboot init phase certs (and kubeconfig)\n`);
      failOnUnreadable(report);
    });
  return withExamples(command, [
    ['kubeboot certs check-expiration', 'the table kubeadm prints'],
    ['kubeboot certs check-expiration --rootfs /tmp/node1 -o json', 'for scripts, in a throw-away folder'],
  ]);
}

function renewCommand(): Command {
  const command = new Command('renew')
    .description('renew certificates with the same CA, subject and SANs; the static pods that use them are restarted by the reconciler')
    .addArgument(new Argument('<name...>', 'all, a certificate (apiserver, etcd-server, ...) or a kubeconfig (admin.conf, ...)'));
  addConfigFileOptions(command).action(async (names: string[], options: ConfigOptions) => {
    const { config } = await loadConfigFromOptions(options);
    const { renewCertificates } = await import('../pki/renew.js');
    const { Host } = await import('../util/host.js');
    const result = await renewCertificates(config, await Host.open(options.rootfs), names);
    for (const entry of result.renewed) process.stdout.write(`[certs] renewed ${entry.name} (${entry.file}), valid until ${entry.expirationDate.toISOString()}\n`);
    if (result.restartedPods.length > 0) {
      process.stdout.write(`These static pods use renewed files and will be restarted: ${result.restartedPods.map((p) => p.pod).join(', ')}\n`);
    } else {
      process.stdout.write('No static pod manifest uses the renewed files: no pod needs a restart.\n');
    }
  });
  return withExamples(command, [
    ['kubeboot certs renew all', 'renew everything that can be renewed'],
    ['kubeboot certs renew apiserver etcd-server --rootfs /tmp/node1', 'two certificates, in a throw-away folder'],
  ]);
}

function certificateKeyCommand(): Command {
  const command = new Command('certificate-key')
    .description('print a new certificate key: 32 random bytes as 64 hex characters, the key --upload-certs encrypts the shared certificates with')
    .action(async () => {
      const { randomBytes } = await import('node:crypto');
      process.stdout.write(`${randomBytes(32).toString('hex')}\n`);
    });
  return withExamples(command, [['kubeboot certs certificate-key', 'a key for InitConfiguration.certificateKey']]);
}

export function certsCommand(): Command {
  const certs = new Command('certs').description('check and renew the PKI').addCommand(checkExpirationCommand()).addCommand(renewCommand()).addCommand(certificateKeyCommand());
  return withExamples(certs, [['kubeboot certs check-expiration', 'when does what expire']]);
}
