import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** The problem lines `loadConfig` reports for `env`; fails the test if it accepts the env. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe((error as ConfigError).problems.join('\n'));
    return (error as ConfigError).problems;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}
