import { strict as assert } from 'assert';
import type { Command } from '../../src/cli/command';

/** Runs a CLI command in-process, asserts exit code 0 and parses what it printed to stdout as one JSON value. */
export async function runCommandJson(command: Command, argv: string[]): Promise<Record<string, unknown>> {
  const printed: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => printed.push(parts.join(' '));
  try {
    assert.equal(await command.run(argv), 0);
  } finally {
    console.log = original;
  }
  return JSON.parse(printed.join('\n')) as Record<string, unknown>;
}
