// The committed parser must be what Peggy generates from the committed grammar, so nobody edits
// one and forgets the other (regeneration command: see the top of hcl.peggy).

import { readFileSync } from 'node:fs';
import peggy from 'peggy';
import { describe, expect, it } from 'vitest';

const GRAMMAR = 'storage/acl/hcl.peggy';
const PARSER = 'storage/acl/hcl-parser.generated.js';

describe('HCL grammar', () => {
  it('matches the generated parser', () => {
    const root = new URL('../../../', import.meta.url);
    const grammar = readFileSync(new URL(GRAMMAR, root), 'utf8');
    const generated = peggy.generate(grammar, { output: 'source', format: 'es', grammarSource: GRAMMAR });
    expect(generated === readFileSync(new URL(PARSER, root), 'utf8')).toBe(true);
  });
});
