import { Listr, PRESET_TIMER, type ListrTask } from 'listr2';
import { UsageError } from '../util/errors.js';

/** What a running phase can show: a line of progress, or a list of steps of its own (with timings). */
export interface PhaseTask {
  output(line: string): void;
  /** Runs steps side by side (or one by one), each shown with its title; resolves when all ended. */
  steps(steps: Array<{ title: string; run: (step: { output(line: string): void; title(text: string): void }) => Promise<void> }>, options: { concurrent: boolean }): Promise<void>;
}

/**
 * One phase of a workflow (kubeadm's `workflow.Phase`): plain data. A phase either runs, or groups
 * children; a group with `run` gets the names of its children that are selected, so that it can do
 * them at once (all certificates are checked before any is written, for example).
 */
export interface Phase<D> {
  name: string;
  short: string;
  /** Ordered children: `init phase certs apiserver`, `--skip-phases certs/apiserver`. */
  phases?: ReadonlyArray<Phase<D>>;
  run?: (data: D, task: PhaseTask, selected: readonly string[]) => Promise<void>;
  /**
   * Why the phase does not apply here (external etcd, a dry run), or undefined when it runs. `named`:
   * the user asked for this phase by name (`init phase etcd local`), which may make it an error instead.
   */
  skipIf?: (data: D, named: boolean) => string | undefined;
  /** Examples for the phase's own command. */
  examples?: Array<[string, string]>;
}

/** A phase with its path: `certs`, `certs/apiserver`. */
export interface FlatPhase<D> {
  path: string;
  phase: Phase<D>;
  depth: number;
}

/** The phase tree, depth first, each named by its lower-cased path. */
export function flatten<D>(phases: ReadonlyArray<Phase<D>>, parent = '', depth = 0): Array<FlatPhase<D>> {
  return phases.flatMap((phase) => {
    const path = parent ? `${parent}/${phase.name}` : phase.name;
    return [{ path, phase, depth }, ...flatten(phase.phases ?? [], path, depth + 1)];
  });
}

/** Checks phase names given by a user (`--skip-phases`, `phase <name>`); unknown ones are a usage error listing the real ones. */
export function checkPhaseNames<D>(phases: ReadonlyArray<Phase<D>>, names: readonly string[], flag: string): void {
  const known = flatten(phases).map((p) => p.path);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`${flag}: invalid phase name ${unknown.map((n) => JSON.stringify(n)).join(', ')}`, { hint: `The phases are: ${known.join(', ')}` });
  }
}

/** The phase list as `--help` shows it (kubeadm's indented list). */
export function phaseHelp<D>(phases: ReadonlyArray<Phase<D>>): string {
  const rows = flatten(phases).map((p) => [`${'  '.repeat(p.depth + 1)}${p.depth > 0 ? '/' : ''}${p.phase.name}`, p.phase.short] as const);
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return rows.map(([name, short]) => `${name.padEnd(width)}${short}`).join('\n');
}

export interface RunSelection {
  /** Only this phase (and its children): `phase <path>`. */
  only?: string;
  skip?: readonly string[];
}

export interface PhaseTiming {
  name: string;
  ms: number;
  skipped?: string;
}

const enabled = (path: string, selection: RunSelection): boolean => {
  const within = (outer: string) => path === outer || path.startsWith(`${outer}/`);
  if ((selection.skip ?? []).some(within)) return false;
  if (!selection.only) return true;
  return within(selection.only) || selection.only.startsWith(`${path}/`);
};

/** The top-level phases to run, each with its selected children, in order. */
export function plan<D>(phases: ReadonlyArray<Phase<D>>, selection: RunSelection): Array<{ phase: Phase<D>; selected: string[] }> {
  const out: Array<{ phase: Phase<D>; selected: string[] }> = [];
  for (const phase of phases) {
    if (!enabled(phase.name, selection)) continue;
    const children = flatten(phase.phases ?? [], phase.name).filter((child) => child.depth === 0);
    const selected = children.filter((child) => enabled(child.path, selection)).map((child) => child.phase.name);
    if (children.length > 0 && selected.length === 0) continue;
    out.push({ phase, selected });
  }
  return out;
}

/**
 * Runs the selected phases in order as a listr2 task list: a line per step without a terminal, every
 * detail with `verbose`. The run stops at the first phase that fails; the timings of those that ran
 * are returned (also on failure, through `timings`).
 */
export async function runPhases<D>(
  phases: ReadonlyArray<Phase<D>>,
  data: D,
  selection: RunSelection,
  options: { verbose?: boolean; timings?: PhaseTiming[]; plain?: boolean } = {},
): Promise<PhaseTiming[]> {
  const timings = options.timings ?? [];
  if (options.plain) return runPlain(phases, data, selection, timings);
  const tasks: Array<ListrTask<object>> = plan(phases, selection).map(({ phase, selected }) => ({
    title: phase.name,
    task: async (_ctx, listrTask) => {
      const reason = phase.skipIf?.(data, selection.only !== undefined);
      if (reason) {
        timings.push({ name: phase.name, ms: 0, skipped: reason });
        listrTask.skip(reason);
        return;
      }
      const start = Date.now();
      const task: PhaseTask = {
        output: (line) => (listrTask.output = line),
        steps: async (steps, stepOptions) => {
          await listrTask
            .newListr(
              steps.map((step) => ({ title: step.title, task: async (_c, sub) => step.run({ output: (line) => (sub.output = line), title: (text) => (sub.title = text) }) })),
              { concurrent: stepOptions.concurrent, exitOnError: false },
            )
            .run()
            .catch(() => undefined);
        },
      };
      try {
        await phase.run?.(data, task, selected);
      } finally {
        timings.push({ name: phase.name, ms: Date.now() - start });
      }
    },
  }));
  const list = new Listr<object, 'default' | 'verbose', 'simple' | 'verbose'>(tasks, {
    renderer: options.verbose ? 'verbose' : 'default',
    fallbackRenderer: options.verbose ? 'verbose' : 'simple',
    rendererOptions: { timer: PRESET_TIMER, collapseSubtasks: false },
    fallbackRendererOptions: { timer: PRESET_TIMER },
    exitOnError: true,
    registerSignalListeners: false,
  });
  await list.run();
  return timings;
}

/**
 * The same run without a task list: phases one after the other, their lines printed as they come. For
 * workflows that ask the user something on the way (reset's question), where a live list would redraw
 * over the prompt.
 */
async function runPlain<D>(phases: ReadonlyArray<Phase<D>>, data: D, selection: RunSelection, timings: PhaseTiming[]): Promise<PhaseTiming[]> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const task: PhaseTask = {
    output: say,
    steps: async (steps, stepOptions) => {
      const runStep = (step: (typeof steps)[number]) => step.run({ output: say, title: say }).catch((err: Error) => say(`${step.title}: ${err.message}`));
      if (stepOptions.concurrent) await Promise.all(steps.map(runStep));
      else for (const step of steps) await runStep(step);
    },
  };
  for (const { phase, selected } of plan(phases, selection)) {
    const reason = phase.skipIf?.(data, selection.only !== undefined);
    if (reason) {
      timings.push({ name: phase.name, ms: 0, skipped: reason });
      if (selection.only) say(`[${phase.name}] skipped: ${reason}`);
      continue;
    }
    const start = Date.now();
    try {
      await phase.run?.(data, task, selected);
    } finally {
      timings.push({ name: phase.name, ms: Date.now() - start });
    }
  }
  return timings;
}
