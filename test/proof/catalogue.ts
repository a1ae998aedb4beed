import type { ProofContext, Scenario, ScenarioResult } from './scenario';
import { crashes } from './scenarios/crashes';
import { kills } from './scenarios/kills';
import { poison } from './scenarios/poison';
import { races } from './scenarios/races';
import { tenancy } from './scenarios/tenancy';
import { time } from './scenarios/time';
import { usageDuplicates } from './scenarios/usage-duplicates';
import { webhooks } from './scenarios/webhooks';

/** The failure catalogue, in the order the report prints it. */
export const SCENARIOS: readonly Scenario[] = [usageDuplicates, crashes, kills, races, webhooks, poison, time, tenancy];

export interface ScenarioReport extends ScenarioResult {
  readonly name: string;
  readonly what: string;
  readonly seconds: number;
}

/**
 * Runs the scenarios one after another (they share the stack; faults injected below the SDK must not
 * reach another scenario's writes). A scenario that throws is a violation of its own, not a crash of
 * the suite: the report must say which one broke.
 */
export async function runCatalogue(
  ctx: Omit<ProofContext, 'progress'>,
  options: {
    only?: (name: string) => boolean;
    progress?: (scenario: Scenario) => ProofContext['progress'];
    onResult?: (report: ScenarioReport) => void;
  } = {},
): Promise<ScenarioReport[]> {
  const reports: ScenarioReport[] = [];
  for (const scenario of SCENARIOS) {
    if (options.only && !options.only(scenario.name)) continue;
    const started = Date.now();
    let result: ScenarioResult;
    try {
      result = await scenario.run({ ...ctx, progress: options.progress?.(scenario) ?? (() => {}) });
    } catch (error) {
      result = {
        trials: 0,
        faults: 0,
        violations: 1,
        examples: [`the scenario threw: ${(error as Error).stack ?? error}`],
      };
    }
    const report = { name: scenario.name, what: scenario.what, seconds: (Date.now() - started) / 1000, ...result };
    options.onResult?.(report);
    reports.push(report);
  }
  return reports;
}
