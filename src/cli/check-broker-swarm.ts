// check-broker's swarm mode (--swarm N): each scenario's broker and client settings are drawn
// too (src/explore/swarm.ts), printed with its result and saved with it; and the lines that
// lead a report with its semantic disagreements, each with the command that reruns it.
import type { Overrides } from '../../models/presets.ts';
import type { BatchEntry } from '../real/batch.ts';
import { faultKindsFor } from '../real/real-scenarios.ts';
import type { TargetSpec } from '../real/targets.ts';
import { overridesText, sampleSwarm, swarmBoundsDefault, type SwarmBounds, type SwarmCase } from '../explore/swarm.ts';
import { faultList, wholeNumber, type ResolvedConfig } from './options.ts';
import { UsageError } from './usage-error.ts';

interface SwarmValues {
  readonly swarm?: string | undefined;
  readonly faults?: string | undefined;
  readonly messages?: string | undefined;
  readonly 'max-faults'?: string | undefined;
}

export function swarmCasesFor(spec: TargetSpec, resolved: ResolvedConfig, values: SwarmValues, seed: number): SwarmCase[] {
  const count = wholeNumber(values.swarm, '--swarm', 1, 1);
  const faultKinds = faultKindsFor(spec.kind !== 'url', faultList(values.faults));
  const bounds: SwarmBounds = {
    ...swarmBoundsDefault,
    // An external broker cannot be killed by the harness; its time faults are client faults too.
    faultKinds,
    messagesMax: wholeNumber(values.messages, '--messages', swarmBoundsDefault.messagesMax, 1),
    faultsMax: wholeNumber(values['max-faults'], '--max-faults', swarmBoundsDefault.faultsMax),
  };
  try {
    return sampleSwarm(resolved.preset, resolved.overrides, bounds, count, seed);
  } catch (error) {
    throw new UsageError(`check-broker: ${(error as Error).message}`);
  }
}

/** The overrides a batch entry ran with: its own when a swarm drew them, else the command's. */
export function entryOverrides(entry: BatchEntry, resolved: ResolvedConfig): Overrides {
  return 'overrides' in entry.case ? (entry.case as SwarmCase).overrides : resolved.overrides;
}

export function targetArgs(spec: TargetSpec): string {
  return spec.kind === 'url' ? `--url mqtt://${spec.host}:${spec.port}` : `--target ${spec.kind}`;
}

/** The command that runs one entry's scenario again, on the same target, with its configuration and model seed. */
export function rerunCommand(spec: TargetSpec, resolved: ResolvedConfig, entry: BatchEntry, file: string | undefined): string {
  const settings = overridesText(entryOverrides(entry, resolved));
  return [`npx mqtt-dst check-broker ${targetArgs(spec)} --preset ${resolved.preset}`, settings, `--scenario ${file ?? 'FILE'} --seed ${entry.case.seed}`]
    .filter((part) => part !== '')
    .join(' ');
}

function isSemantic(entry: BatchEntry): boolean {
  return 'comparison' in entry && !entry.comparison.agree && entry.comparison.explanation?.kind === 'semantics';
}

/** The report's lead: every semantic disagreement (what exit 3 means) with its rerun command. */
export function semanticLead(spec: TargetSpec, resolved: ResolvedConfig, entries: readonly BatchEntry[], written: ReadonlyMap<number, string>): string[] {
  const semantic = entries.filter(isSemantic);
  if (semantic.length === 0) return [];
  const lines = [`${semantic.length} semantic disagreement${semantic.length === 1 ? '' : 's'} (no model run gives the broker's verdict):`];
  for (const entry of semantic) {
    const file = written.get(entry.index);
    lines.push(`  #${entry.index + 1}: ${rerunCommand(spec, resolved, entry, file)}${file === undefined ? '   (--out DIR writes FILE)' : ''}`);
  }
  return lines;
}
