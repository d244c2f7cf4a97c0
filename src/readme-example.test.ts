// The README's library example is the test file examples/my-settings.test.ts, verbatim: the
// example a reader copies is one npm test runs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('README library example', () => {
  it('is examples/my-settings.test.ts, verbatim', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../examples/my-settings.test.ts', import.meta.url), 'utf8').trimEnd();
    const library = readme.slice(readme.indexOf('## Library'));
    const block = /```ts\n([\s\S]*?)\n```/.exec(library)?.[1];
    expect(block).toBe(example);
  });
});
