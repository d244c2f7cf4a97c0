// What the exhaustive search may still spend on a path: faults per target, faults in all, and
// firings of the outbox's resend timer. The budget is part of a state (two states alike but for
// what they may still do are two states), but only as far as it can be spent: budgets that allow
// the same steps from here on are one.
import type { FaultKind } from '../../models/history.ts';
import { resendPayloadOf } from '../../models/producer-outbox.ts';
import type { StepOption } from '../sim/exhaustive-world.ts';
import type { InjectedFault } from '../sim/world.ts';
import type { SearchState } from './canonical.ts';

/**
 * The remaining budget: one fault count per target — broker, producer, consumer crashes, then
 * producer and consumer link drops — then the faults left on the path, of any kind, and last
 * the resends left.
 */
export type Budget = readonly number[];

const totalSlot = 5;
const resendSlot = 6;

export interface BudgetBounds {
  readonly crashesPerNode: number;
  readonly dropsPerLink: number;
  readonly faultsMax: number | null;
  readonly resendsMax: number;
  readonly faultKinds: readonly FaultKind[];
}

function isResend(option: StepOption): boolean {
  return option.kind === 'event' && option.event.payload.kind === 'timer' && resendPayloadOf(option.event.payload.timer) !== null;
}

function budgetSlot(fault: InjectedFault): number {
  switch (fault.kind) {
    case 'broker-kill':
    case 'broker-restart':
      return 0;
    case 'producer-crash':
      return 1;
    case 'consumer-crash':
      return 2;
    case 'connection-drop':
      return fault.link === 'producer' ? 3 : 4;
    default: {
      const never: never = fault.kind;
      throw new Error(`unknown fault ${String(never)}`);
    }
  }
}

function slot(budget: Budget, at: number): number {
  return budget[at] as number;
}

/** The budget rules of one search: which steps a budget allows, what a step costs, and the budget as the state hash sees it. */
export class FaultBudget {
  private readonly allowed: ReadonlySet<FaultKind>;
  /** Per target slot: whether any fault kind it counts may strike at all. */
  private readonly slotAllowed: readonly boolean[];
  readonly root: Budget;

  constructor(bounds: BudgetBounds) {
    const allowed = new Set(bounds.faultKinds);
    this.allowed = allowed;
    const link = allowed.has('connection-drop');
    this.slotAllowed = [allowed.has('broker-kill') || allowed.has('broker-restart'), allowed.has('producer-crash'), allowed.has('consumer-crash'), link, link];
    const perTarget = [bounds.crashesPerNode, bounds.crashesPerNode, bounds.crashesPerNode, bounds.dropsPerLink, bounds.dropsPerLink];
    this.root = [...perTarget, Math.min(bounds.faultsMax ?? Infinity, perTarget.reduce((a, b) => a + b, 0)), bounds.resendsMax];
  }

  /** Whether the budget allows the step ('end' is never a step to take). */
  allows(option: StepOption, budget: Budget): boolean {
    if (option.kind === 'end') return false;
    if (option.kind === 'event') return !isResend(option) || slot(budget, resendSlot) > 0;
    return this.allowed.has(option.fault.kind) && slot(budget, budgetSlot(option.fault)) > 0 && slot(budget, totalSlot) > 0;
  }

  /** The budget left after the step. */
  after(option: StepOption, budget: Budget): Budget {
    if (option.kind === 'fault') {
      const left = budget.slice();
      const target = budgetSlot(option.fault);
      left[target] = slot(budget, target) - 1;
      left[totalSlot] = slot(budget, totalSlot) - 1;
      return left;
    }
    if (isResend(option)) {
      const left = budget.slice();
      left[resendSlot] = slot(budget, resendSlot) - 1;
      return left;
    }
    return budget;
  }

  /** Whether a crash of the node (a kill or restart for the broker) can still strike on this path. */
  mayCrash(node: 'broker' | 'producer' | 'consumer', budget: Budget): boolean {
    return this.mayStrike(node === 'broker' ? 0 : node === 'producer' ? 1 : 2, budget);
  }

  /** Whether a drop of the client's link can still strike on this path. */
  mayDrop(client: 'producer' | 'consumer', budget: Budget): boolean {
    return this.mayStrike(client === 'producer' ? 3 : 4, budget);
  }

  private mayStrike(at: number, budget: Budget): boolean {
    return (this.slotAllowed[at] as boolean) && slot(budget, at) > 0 && slot(budget, totalSlot) > 0;
  }

  /** What the canonical state needs of the budget (canonical.ts SearchState). */
  searchState(budget: Budget): SearchState {
    const total = slot(budget, totalSlot);
    const slots = this.slotAllowed.map((ok, at) => (ok ? Math.min(total, slot(budget, at)) : 0));
    const brokerFaultsPossible = total > 0 && (slots[0] as number) > 0;
    return {
      // Spendable per target and in all: budgets that differ only in what no path can spend are one.
      budget: `${slots.join(',')}/${Math.min(total, slots.reduce((a, b) => a + b, 0))}/${slot(budget, resendSlot)}`,
      faultsPossible: slots.some((left) => left > 0),
      brokerFaultsPossible,
    };
  }
}
