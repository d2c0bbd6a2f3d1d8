import { describe, expect, it } from 'vitest';
import { Cluster } from './harness.ts';

describe('smoke', () => {
  it('elects and replicates', () => {
    const c = new Cluster({ voters: ['1', '2', '3'] });
    c.elect('1');
    c.propose('1', 'a');
    c.propose('1', 'b');
    c.stabilize();
    for (const id of c.ids()) expect(c.get(id).state).toEqual(['a', 'b']);
  });
  it('single node', () => {
    const c = new Cluster({ voters: ['1'] });
    c.elect('1');
    c.propose('1', 'a');
    c.stabilize();
    expect(c.get('1').state).toEqual(['a']);
  });
});
