import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import Handlebars from 'handlebars';
import { rawMustaches } from '../render/helpers.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { readIfExists } from '../util/files.js';
import { projectRoot } from '../util/package-info.js';

export const UNIT_NAME = 'kubeboot-kubelet.service';
/** The only helper the unit template may use: systemd's quoting, not YAML's. */
export const UNIT_HELPERS = ['arg'] as const;
export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`;

/** One word of a unit file's command line or Environment=: systemd's double quotes, `%` and `$` doubled. */
export function systemdArg(value: string): string {
  if (/[\0\n\r]/.test(value)) throw new Error(`a systemd unit cannot hold ${JSON.stringify(value)}`);
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** Renders the unit from templates/kubeboot-kubelet.service.hbs; every value goes through `arg`. */
export function renderUnit(context: { node: string; command: string[]; environment: string[] }): string {
  const file = join(projectRoot, 'templates', `${UNIT_NAME}.hbs`);
  const source = readFileSync(file, 'utf8');
  const raw = rawMustaches(source, UNIT_HELPERS);
  if (raw.length > 0) throw new Error(`${file}: values must go through the arg helper; raw: ${raw.join(', ')}`);
  const engine = Handlebars.create();
  engine.registerHelper('arg', (value: unknown) => new engine.SafeString(systemdArg(String(value))));
  return engine.compile(source, { strict: true, noEscape: true })(context).replace(/ +\n/g, '\n');
}

/** Whether systemd runs this host (sd_booted: /run/systemd/system exists). */
export function systemdRunsHost(): boolean {
  return existsSync('/run/systemd/system');
}

/**
 * Installs and starts the unit. A unit that is already active with the same content is left running
 * (init reuses the running reconciler); a changed one is written and restarted.
 */
export async function installUnit(content: string): Promise<{ reused: boolean }> {
  const unchanged = (await readIfExists(UNIT_PATH)) === content;
  const active = (await execa('systemctl', ['is-active', '--quiet', UNIT_NAME], { reject: false })).exitCode === 0;
  if (unchanged && active) return { reused: true };
  await writeFileAtomic(UNIT_PATH, content, { mode: 0o644 });
  await execa('systemctl', ['daemon-reload']);
  await execa('systemctl', ['enable', UNIT_NAME]);
  await execa('systemctl', [active ? 'restart' : 'start', UNIT_NAME]);
  return { reused: false };
}

/** Stops, disables and removes the unit; true when there was one. */
export async function removeUnit(): Promise<boolean> {
  if (!existsSync(UNIT_PATH)) return false;
  await execa('systemctl', ['disable', '--now', UNIT_NAME], { reject: false });
  await rm(UNIT_PATH, { force: true });
  await execa('systemctl', ['daemon-reload'], { reject: false });
  return true;
}
