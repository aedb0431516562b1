import { expect } from 'vitest';
import { UserError } from '../../src/errors.js';

/** The message of the UserError `f` throws; fails the test when it throws nothing or something else. */
export function userErrorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('expected a UserError');
}
