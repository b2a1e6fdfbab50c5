import { describe, expect, it } from 'vitest';
import { contentScriptGzipKiB } from '../bench/content.ts';
import { CONTENT_SCRIPT_GZIP_LIMIT_KIB } from '../bench/content-report.ts';

// The build the global setup made: the content script every enabled page loads (issue #12).
describe('the built content script', () => {
  it(`stays within ${CONTENT_SCRIPT_GZIP_LIMIT_KIB} KiB gzipped`, () => {
    expect(contentScriptGzipKiB()).toBeLessThanOrEqual(CONTENT_SCRIPT_GZIP_LIMIT_KIB);
  });
});
