import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/program.js';

/** Every command under `root`, with its words from the program down. */
function leaves(command: Command, words: string[] = []): Array<{ words: string[]; command: Command }> {
  return [{ words, command }, ...command.commands.flatMap((child) => leaves(child, [...words, child.name()]))];
}

// A parent that also knows --rootfs must never take it from a phase named after it: the phase would
// then write the real /etc/kubernetes (this happened once).
for (const verb of ['init', 'reset']) {
  test(`${verb} phase …: the flags given after any phase name reach that phase`, async () => {
    const program = await buildProgram();
    const phase = program.commands.find((c) => c.name() === verb)!.commands.find((c) => c.name() === 'phase')!;
    const all = leaves(phase).filter((l) => l.words.length > 0);
    assert.ok(all.length >= (verb === 'init' ? 30 : 3), `${all.length} phase commands`);
    for (const { words, command } of all) {
      let got: Record<string, unknown> | undefined;
      for (const { command: other } of leaves(program)) other.action(() => undefined);
      command.action((options: Record<string, unknown>) => {
        got = options;
      });
      await program.parseAsync(['node', 'kubeboot', verb, 'phase', ...words, '--rootfs', '/tmp/the-root', '--config', '/tmp/the-config'], { from: 'node' });
      assert.deepEqual([got?.rootfs, got?.config], ['/tmp/the-root', '/tmp/the-config'], `${verb} phase ${words.join(' ')}`);
    }
  });
}
