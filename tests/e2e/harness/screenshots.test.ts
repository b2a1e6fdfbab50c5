import { execFileSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../relay/harness.ts';
import { screenshotPath } from './screenshots.ts';

describe('screenshotPath', () => {
  it('writes where git does not look, unless told to refresh the docs', () => {
    const path = screenshotPath('call-buttons.png', {});
    // `git check-ignore` exits 1, and execFileSync throws, for a path git would track.
    expect(execFileSync('git', ['check-ignore', relative(REPO_ROOT, path)], { cwd: REPO_ROOT, encoding: 'utf8' }).trim()).toBe(relative(REPO_ROOT, path));
    expect(screenshotPath('call-buttons.png', { PC_SCREENSHOTS_DIR: 'docs/screenshots' })).toBe(join(REPO_ROOT, 'docs', 'screenshots', 'call-buttons.png'));
  });
});
