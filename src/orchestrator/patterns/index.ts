import { cascadePattern } from './cascade.js';
import { swarmPattern } from './swarm.js';
import type { Pattern } from './pattern.js';
import type { PatternName } from '../task.js';

export const PATTERNS: Record<PatternName, Pattern> = { cascade: cascadePattern, swarm: swarmPattern };

/** The patterns as `list_orchestrator_patterns` shows them. */
export function describePatterns() {
  return Object.values(PATTERNS).map(({ name, display_name, description, use_cases, default_config }) => ({
    name,
    display_name,
    description,
    use_cases,
    default_config,
  }));
}
