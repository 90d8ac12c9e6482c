import { describe, expect, it } from 'vitest';
import { canonicalName, canonicalPredicate, displayName, entityId, factId, mergeEntityType } from './names.js';

describe('entity names', () => {
  it.each([
    ['Caroline', 'Caroline', 'caroline'],
    ["Caroline's", 'Caroline', 'caroline'],
    ['Caroline’s', 'Caroline', 'caroline'],
    ["James'", 'James', 'james'],
    ['  New   York\tCity ', 'New York City', 'new york city'],
    ['"Acme Corp."', 'Acme Corp', 'acme corp'],
    ['ＡＣＭＥ', 'ACME', 'acme'],
    ['The Hague', 'The Hague', 'the hague'],
    ['(LGBTQ) ', 'LGBTQ', 'lgbtq'],
    ["  '' ", '', ''],
  ])('given %j, the display name is %j and the canonical name %j', (surface, display, canonical) => {
    expect(displayName(surface)).toBe(display);
    expect(canonicalName(surface)).toBe(canonical);
  });

  it('folds predicates to one spelling', () => {
    for (const p of ['lives in', 'Lives_In', 'LIVES-IN', ' lives  in ']) expect(canonicalPredicate(p)).toBe('lives_in');
    expect(canonicalPredicate(' - ')).toBe('');
  });

  it('derives ids deterministically and per tenant', () => {
    expect(entityId('t1', 'alice')).toBe(entityId('t1', 'alice'));
    expect(entityId('t1', 'alice')).not.toBe(entityId('t2', 'alice'));
    expect(entityId('t1', 'alice')).toMatch(/^ent_[0-9a-f]{32}$/);
    expect(factId('t1', 'e', 0)).not.toBe(factId('t1', 'e', 1));
    expect(factId('t1', 'e', 0)).toMatch(/^fact_[0-9a-f]{32}$/);
  });

  it('keeps the more specific entity type, the first on a tie', () => {
    expect(mergeEntityType('other', 'person')).toBe('person');
    expect(mergeEntityType('person', 'other')).toBe('person');
    expect(mergeEntityType('thing', 'place')).toBe('place');
    expect(mergeEntityType('person', 'place')).toBe('person');
    expect(mergeEntityType('date', 'thing')).toBe('date');
  });
});
