import { describe, expect, it } from 'vitest';
import { MemberCache, type MemberReader, type Members } from '../../src/server/deliver/member-cache.js';

/** The store's memberSnapshot, over groups set by the test; counts its reads. */
class FakeReader implements MemberReader {
  readonly groups = new Map<string, { version: number; ids: string[] }>();
  readonly reads: string[] = [];
  async memberSnapshot(groupId: string): Promise<{ version: number; ids: readonly string[] }> {
    this.reads.push(groupId);
    const g = this.groups.get(groupId);
    return g ? { version: g.version, ids: [...g.ids] } : { version: 0, ids: [] };
  }
  set(groupId: string, version: number, ids: string[]): void {
    this.groups.set(groupId, { version, ids });
  }
}

/** The answer of `get`, read from the store when it has to be. */
async function members(cache: MemberCache, groupId: string, version: number): Promise<{ version: number; ids: string[]; read: boolean }> {
  const got = cache.get(groupId, version);
  const read = got instanceof Promise;
  const m: Members = await got;
  return { version: m.version, ids: [...m.ids].sort(), read };
}

describe('MemberCache', () => {
  it('reads a group once, then answers at once for that version or an older one, and reads again for a newer one', async () => {
    const reader = new FakeReader();
    reader.set('g', 3, ['alice', 'bob']);
    const cache = new MemberCache(reader);

    expect(await members(cache, 'g', 3)).toEqual({ version: 3, ids: ['alice', 'bob'], read: true });
    expect(await members(cache, 'g', 3)).toEqual({ version: 3, ids: ['alice', 'bob'], read: false });
    expect(await members(cache, 'g', 2)).toEqual({ version: 3, ids: ['alice', 'bob'], read: false });

    // bob was removed (version 4): a message naming version 4 reads the group again
    reader.set('g', 4, ['alice']);
    expect(await members(cache, 'g', 4)).toEqual({ version: 4, ids: ['alice'], read: true });
    expect(await members(cache, 'g', 4)).toEqual({ version: 4, ids: ['alice'], read: false });
    expect(reader.reads).toEqual(['g', 'g']);
  });

  it('forgets a dropped group: the next message reads it again, whatever version it names', async () => {
    const reader = new FakeReader();
    reader.set('g', 1, ['alice']);
    const cache = new MemberCache(reader);
    await members(cache, 'g', 1);

    reader.set('g', 2, ['alice', 'carol']);
    cache.drop('g');
    cache.drop('never-held');

    expect(await members(cache, 'g', 1)).toEqual({ version: 2, ids: ['alice', 'carol'], read: true });
    expect(reader.reads).toEqual(['g', 'g']);
  });

  it('holds at most maxGroups groups, the least recently used going first', async () => {
    const reader = new FakeReader();
    for (const g of ['a', 'b', 'c']) reader.set(g, 1, [`${g}1`]);
    const cache = new MemberCache(reader, { maxGroups: 2 });
    await members(cache, 'a', 1);
    await members(cache, 'b', 1);
    await members(cache, 'a', 1); // a is now the more recent of the two

    await members(cache, 'c', 1);

    expect(cache.size).toBe(2);
    expect((await members(cache, 'a', 1)).read).toBe(false);
    expect((await members(cache, 'b', 1)).read).toBe(true);
  });

  it('holds at most maxIds member ids over all groups, but keeps a group that alone is over the bound', async () => {
    const reader = new FakeReader();
    reader.set('small', 1, ['a', 'b']);
    reader.set('mid', 1, ['c', 'd', 'e']);
    reader.set('huge', 1, ['f', 'g', 'h', 'i', 'j', 'k']);
    const cache = new MemberCache(reader, { maxIds: 5 });
    await members(cache, 'small', 1);
    await members(cache, 'mid', 1);
    expect(cache.size).toBe(2);

    await members(cache, 'huge', 1);
    expect(cache.size).toBe(1);
    expect((await members(cache, 'huge', 1)).read).toBe(false);
    expect((await members(cache, 'small', 1)).read).toBe(true);
    // small (2 ids) pushed huge (6) out: 2 ids held, and mid fits beside it
    await members(cache, 'mid', 1);
    expect(cache.size).toBe(2);
  });
});
