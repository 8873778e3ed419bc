/** The store's span ring (sandbox/span-columns.ts): a span keeps its seq while the ring grows and evicts. */
import { describe, expect, it } from 'vitest';
import { SpanColumns } from '../../sandbox/span-columns';

describe('SpanColumns', () => {
  it('finds every held span by its seq across growth and eviction, oldest first', () => {
    const columns = new SpanColumns<string, number>();
    const seqs: number[] = [];
    // Push 5 000 (past the initial 1 024 slots several times) while evicting to keep at most 3 000.
    for (let i = 0; i < 5_000; i++) {
      seqs.push(columns.push(`r${i}`, i % 7, i * 2, 1_700_000_000_000 + i / 4, i, i % 2 === 0));
      if (columns.size > 3_000) columns.shift();
    }
    expect(seqs).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
    expect(columns.size).toBe(3_000);
    expect([columns.firstSeq, columns.endSeq]).toEqual([2_000, 5_000]);
    expect(columns.oldestRecord).toBe('r2000');
    expect(columns.oldestTrace).toBe(2_000 % 7);
    expect(columns.oldestBytes).toBe(4_000);
    expect(columns.oldestOrder).toBe(2_000);
    for (const seq of [2_000, 3_333, 4_999]) {
      expect(columns.record(seq)).toBe(`r${seq}`);
      expect(columns.bytes(seq)).toBe(seq * 2);
      expect(columns.receivedAt(seq)).toBe(1_700_000_000_000 + seq / 4);
      expect(columns.isCompact(seq)).toBe(seq % 2 === 0);
    }
  });

  it('replaces a span in place, no longer compact, and empties on clear without reusing seqs', () => {
    const columns = new SpanColumns<string, null>();
    const a = columns.push('a', null, 1, 10, 0, true);
    const b = columns.push('b', null, 2, 20, 1);
    columns.replace(a, 'a2', 5, 30);
    expect([columns.record(a), columns.bytes(a), columns.receivedAt(a), columns.isCompact(a)]).toEqual([
      'a2',
      5,
      30,
      false,
    ]);
    expect(columns.record(b)).toBe('b');
    columns.clear();
    expect(columns.size).toBe(0);
    expect(columns.oldestRecord).toBeUndefined();
    expect(columns.oldestOrder).toBe(Number.POSITIVE_INFINITY);
    expect(columns.push('c', null, 1, 1, 2)).toBe(2);
  });
});
