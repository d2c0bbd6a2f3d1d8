// The committed parser must be what the grammar generates (regenerate with
// `npx tsx routes/filter/generate-parser.ts`).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DECLARATIONS_FILE, generateParser, GRAMMAR_FILE, PARSER_FILE } from '../../../routes/filter/generate-parser.ts';

describe('parser.generated.js', () => {
  const generated = generateParser(readFileSync(GRAMMAR_FILE, 'utf8'));

  it('matches grammar.peggy', () => {
    expect(readFileSync(PARSER_FILE, 'utf8')).toBe(generated.source);
  });

  it('has the committed declarations', () => {
    expect(readFileSync(DECLARATIONS_FILE, 'utf8')).toBe(generated.declarations);
  });
});
