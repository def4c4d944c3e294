import { Command } from 'commander';
import { flatten, phaseHelp, type Phase, type RunSelection } from '../phases/workflow.js';
import { UsageError } from '../util/errors.js';
import { withExamples } from './help.js';

export interface PhaseBinding<O> {
  /** Adds the flags every phase command takes (the parent's, so a phase runs as the whole would). */
  flags: (command: Command) => Command;
  /** Runs the phases the selection names, with the command's options. */
  run: (options: O, selection: RunSelection) => Promise<void>;
  /** A positional argument every runnable phase command takes (join's endpoint), given to `run` as this option. */
  argument?: { name: string; description: string; option: string };
}

/**
 * kubeadm's BindToCommand: the phase list in the command's help, and a `phase` sub-command tree
 * generated from the same list. A phase with children runs them all (as does its `all` child); a
 * child runs alone.
 */
export function bindPhases<D, O>(command: Command, phases: ReadonlyArray<Phase<D>>, binding: PhaseBinding<O>): Command {
  command.addHelpText('after', `\nThe phases, in order (run one with \`${command.name()} phase <name>\`, skip some with --skip-phases a,b/c):\n${phaseHelp(phases)}\n`);
  // Positional all the way down: a phase command's flags must reach the phase named last, never a parent.
  const phase = new Command('phase').description(`run one phase of ${command.name()}`).enablePositionalOptions();
  for (const top of phases) phase.addCommand(phaseCommand(top, top.name, binding));
  return command.addCommand(phase);
}

function phaseCommand<D, O>(phase: Phase<D>, path: string, binding: PhaseBinding<O>): Command {
  const command = binding.flags(new Command(phase.name).description(phase.short));
  const children = flatten(phase.phases ?? [], path).filter((child) => child.depth === 0);
  const runnable = (leaf: Command): Command => {
    if (!binding.argument) return leaf.action((options: O) => binding.run(options, { only: path }));
    const { name, description, option } = binding.argument;
    return leaf.argument(name, description).action((value: string | undefined, options: O) => binding.run({ ...options, [option]: value }, { only: path }));
  };
  if (children.length > 0) {
    // The group's own flags are read only before a child's name, so that `certs apiserver --config x` gives --config to the child.
    command.enablePositionalOptions();
    command.addCommand(runnable(binding.flags(new Command('all').description(`all of ${phase.name}: ${children.map((c) => c.phase.name).join(', ')}`))));
    for (const child of children) command.addCommand(phaseCommand(child.phase, child.path, binding));
    // A group with a positional argument runs through its `all` (commander would read the argument as a child's name).
    if (binding.argument) {
      const usage = `${path.replace(/\//g, ' ')} all ${binding.argument.name}`;
      command.action(() => Promise.reject(new UsageError(`run the whole group with: phase ${usage}`)));
    } else command.action((options: O) => binding.run(options, { only: path }));
  } else {
    runnable(command);
  }
  return phase.examples ? withExamples(command, phase.examples) : command;
}
