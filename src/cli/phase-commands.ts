import { Command } from 'commander';
import { flatten, phaseHelp, type Phase, type RunSelection } from '../phases/workflow.js';
import { withExamples } from './help.js';

export interface PhaseBinding<O> {
  /** Adds the flags every phase command takes (the parent's, so a phase runs as the whole would). */
  flags: (command: Command) => Command;
  /** Runs the phases the selection names, with the command's options. */
  run: (options: O, selection: RunSelection) => Promise<void>;
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
  if (children.length > 0) {
    // The group's own flags are read only before a child's name, so that `certs apiserver --config x` gives --config to the child.
    command.enablePositionalOptions();
    command.addCommand(binding.flags(new Command('all').description(`all of ${phase.name}: ${children.map((c) => c.phase.name).join(', ')}`)).action((options: O) => binding.run(options, { only: path })));
    for (const child of children) command.addCommand(phaseCommand(child.phase, child.path, binding));
  }
  command.action((options: O) => binding.run(options, { only: path }));
  return phase.examples ? withExamples(command, phase.examples) : command;
}
