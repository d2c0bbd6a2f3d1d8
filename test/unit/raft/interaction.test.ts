// Runs every testdata/*.txt script and compares its transcript with the golden file beside it
// (testdata/*.golden). Regenerate after an intended change with `npx vitest run -u`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScript } from './script.ts';

const dir = join(import.meta.dirname, 'testdata');
const scripts = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

describe('interaction scripts', () => {
  it('finds scripts', () => {
    expect(scripts.length).toBeGreaterThan(0);
  });
  for (const file of scripts) {
    it(file, async () => {
      const transcript = runScript(readFileSync(join(dir, file), 'utf8'));
      await expect(transcript + '\n').toMatchFileSnapshot(join(dir, file.replace(/\.txt$/, '.golden')));
    });
  }
});
