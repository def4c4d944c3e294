import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { rawMustaches } from '../../../src/render/helpers.js';
import { argumentsToCommand } from '../../../src/render/arguments.js';
import { UNIT_HELPERS } from '../../../src/phases/systemd-unit.js';

const templates = new URL('../../../templates/', import.meta.url).pathname;

test('no template pastes a raw value: every mustache is a quoting helper call', () => {
  const files = [...readdirSync(templates).filter((f) => f.endsWith('.hbs')), ...readdirSync(join(templates, 'partials')).map((f) => join('partials', f))];
  assert.ok(files.length >= 8);
  // The systemd unit quotes the systemd way (its own helper); every other template is YAML.
  for (const file of files) assert.deepEqual(rawMustaches(readFileSync(join(templates, file), 'utf8'), file.endsWith('.service.hbs') ? UNIT_HELPERS : undefined), [], file);
});

test('the raw-value check catches raw and triple mustaches', () => {
  assert.deepEqual(rawMustaches('image: {{image}}\nx: {{{y}}}\nz: {{q z}}\n'), ['image', 'y']);
});

test("argumentsToCommand follows kubeadm's rule: defaults sorted, overrides dropped from them, extraArgs in the user's order", () => {
  // kubeadm util/arguments_test.go "base are sorted and overrides are not"
  assert.deepEqual(
    argumentsToCommand(
      [{ name: 'b', value: '1' }, { name: 'c', value: '1' }, { name: 'a', value: '1' }],
      [{ name: 'e', value: '1' }, { name: 'b', value: '2' }, { name: 'd', value: '1' }],
    ),
    ['--a=1', '--c=1', '--e=1', '--b=2', '--d=1'],
  );
  // duplicated defaults all go when overridden; duplicated overrides are all kept; empty value renders as --x=
  assert.deepEqual(
    argumentsToCommand(
      [{ name: 'x', value: '2' }, { name: 'x', value: '1' }, { name: 'y', value: '' }],
      [{ name: 'z', value: '1' }, { name: 'z', value: '2' }],
    ),
    ['--x=1', '--x=2', '--y=', '--z=1', '--z=2'],
  );
  assert.deepEqual(argumentsToCommand([{ name: 'x', value: '1' }, { name: 'x', value: '2' }], [{ name: 'x', value: '3' }]), ['--x=3']);
});
