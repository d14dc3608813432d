/**
 * The strategies in the order the pool tries them: the first whose plan fits the model and data
 * is the one. Data-parallel fits every model, so it comes last.
 */
import { dataParallel } from './data-parallel.js';
import { firstLayerColumns } from './first-layer-columns.js';
import { hiddenUnits } from './hidden-units.js';
import { inputRows } from './input-rows.js';
import type { Plan, PoolPlan, Strategy } from './strategy.js';

// Each strategy reads only the buffers its own plan made, so the list can hold them as one type.
export const STRATEGIES = [inputRows, hiddenUnits, firstLayerColumns, dataParallel] as unknown as readonly Strategy<unknown>[];

/** The strategy called `name` (a worker looks up the one the main thread picked). */
export function strategyNamed(name: string): Strategy<unknown> {
  const found = STRATEGIES.find((s) => s.name === name);
  if (!found) throw new Error(`pool: no strategy '${name}'`);
  return found;
}

/** The first strategy whose plan fits the pool's model and data, with that plan. */
export function pickStrategy(pool: PoolPlan): { strategy: Strategy<unknown>; plan: Plan<unknown> } {
  for (const strategy of STRATEGIES) {
    const plan = strategy.plan(pool);
    if (plan) return { strategy, plan };
  }
  throw new Error('pool: no strategy fits this model');
}
