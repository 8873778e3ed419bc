import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedActivityUuid, seedUsers } from '../../app/store/seed';
import { mentionsIn } from '../../app/notifications/message';
import { kindAt, planRequest, planRequests, toHttpRequest } from '../../harness/load/plan';
import { listWorkloads, loadWorkload, parseWorkload, type RequestKind } from '../../harness/load/workload';

const mixed = loadWorkload('mixed');

describe('workload plan', () => {
  it('is identical for the same seed', () => {
    expect(planRequests(mixed, 7, 500)).toEqual(planRequests(mixed, 7, 500));
    // One seq at a time gives the same as the whole list (the runner plans lazily).
    expect(planRequest(mixed, 7, 321)).toEqual(planRequests(mixed, 7, 321)[320]);
  });

  it('differs for a different seed', () => {
    const a = planRequests(mixed, 1, 200);
    const b = planRequests(mixed, 2, 200);
    const differing = a.filter((req, i) => JSON.stringify(req) !== JSON.stringify(b[i])).length;
    expect(differing).toBeGreaterThan(100);
  });

  it('follows the mix: mixed is 35/20/15/20/10 within a few points over 1000 seqs', () => {
    const counts: Record<RequestKind, number> = { home: 0, user_feed: 0, search: 0, create: 0, reply: 0 };
    for (const req of planRequests(mixed, 1, 1000)) counts[req.kind]++;
    const expected = { home: 350, user_feed: 200, search: 150, create: 200, reply: 100 };
    for (const kind of Object.keys(expected) as RequestKind[]) {
      expect(Math.abs(counts[kind] - expected[kind]), `${kind}: ${counts[kind]}`).toBeLessThan(45);
    }
  });

  it('never draws a kind whose weight is 0', () => {
    const onlyHome = parseWorkload({ name: 'only-home', mix: { home: 1 } }, 'inline');
    for (let seq = 1; seq <= 300; seq++) expect(kindAt(onlyHome, 3, seq)).toBe('home');
  });

  it('sends valid requests: known handles, 1–280 char messages, reply parents that are earlier creates', () => {
    const handles = new Set(seedUsers.map((u) => u.handle));
    for (const req of planRequests(mixed, 5, 1000)) {
      if ('handle' in req) expect(handles.has(req.handle)).toBe(true);
      if ('message' in req) expect(req.message.length).toBeGreaterThan(0);
      if ('message' in req) expect(req.message.length).toBeLessThanOrEqual(280);
      if (req.kind === 'reply') {
        expect(req.fallbackParentUuid).toMatch(/^5eed0000-/);
        if (req.parentSeq !== undefined) {
          expect(req.parentSeq).toBeLessThan(req.seq);
          expect(req.seq - req.parentSeq).toBeLessThanOrEqual(mixed.replyWindow);
          expect(planRequest(mixed, 5, req.parentSeq).kind).toBe('create');
          // The newest such create: nothing between it and the reply is a create.
          for (let k = req.parentSeq + 1; k < req.seq; k++) expect(kindAt(mixed, 5, k)).not.toBe('create');
        }
      }
    }
  });

  it('half the creates and replies mention another handle, in the message as @handle, never the author', () => {
    const writes = planRequests(mixed, 5, 1000).filter((r) => r.kind === 'create' || r.kind === 'reply');
    const mentioning = writes.filter((r) => r.mentions.length > 0);
    expect(mentioning.length / writes.length).toBeGreaterThan(0.4);
    expect(mentioning.length / writes.length).toBeLessThan(0.6);
    const mentioned = new Set<string>();
    for (const req of mentioning) {
      for (const handle of req.mentions) {
        expect(handle).not.toBe(req.handle);
        expect(req.message).toContain(`@${handle}`);
        mentioned.add(handle);
      }
    }
    // The worker parses mentions from the text: the plan's list is what it will find.
    for (const req of writes) expect(mentionsIn(req.message)).toEqual(req.mentions);
    expect(mentioned.size).toBeGreaterThan(3);
  });

  it('a reply whose window holds no create answers a seed activity', () => {
    const noCreates = parseWorkload({ name: 'replies', mix: { reply: 1 } }, 'inline');
    const req = planRequest(noCreates, 1, 10);
    expect(req.kind).toBe('reply');
    if (req.kind !== 'reply') return;
    expect(req.parentSeq).toBeUndefined();
    expect(toHttpRequest(req).path).toBe(`/api/activities/${req.fallbackParentUuid}/reply`);
    expect([1, 2, 3, 4, 5, 6, 11].map(seedActivityUuid)).toContain(req.fallbackParentUuid);
    expect(toHttpRequest(req, 'abc').path).toBe('/api/activities/abc/reply');
  });

  it('turns plans into the API’s HTTP shapes', () => {
    const shapes = planRequests(mixed, 1, 200).map((req) => toHttpRequest(req, stubParent));
    expect(shapes.some((s) => s.method === 'GET' && s.path === '/api/activities/home')).toBe(true);
    expect(shapes.some((s) => /^\/api\/activities\/@[a-z]+$/.test(s.path))).toBe(true);
    expect(shapes.some((s) => /^\/api\/activities\/search\?term=/.test(s.path))).toBe(true);
    expect(
      shapes.some((s) => s.path === '/api/activities' && s.method === 'POST' && s.body?.ttl !== undefined),
    ).toBe(true);
    expect(shapes.some((s) => s.path.endsWith('/reply') && s.method === 'POST')).toBe(true);
  });
});

const stubParent = '11111111-1111-4111-8111-111111111111';

describe('workload files', () => {
  it('ships mixed, read-heavy and write-heavy, all valid', () => {
    expect(listWorkloads()).toEqual(expect.arrayContaining(['mixed', 'read-heavy', 'write-heavy']));
    for (const name of listWorkloads()) expect(loadWorkload(name).name).toBe(name);
    expect(loadWorkload('write-heavy').mix.create).toBeGreaterThan(loadWorkload('read-heavy').mix.create);
  });

  it('rejects an unknown name and a bad file with the path and the problem', () => {
    expect(() => loadWorkload('nope')).toThrow(/Unknown workload "nope".*mixed/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-workload-'));
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'name: bad\nmix: { home: -1, posts: 3 }\n');
    expect(() => loadWorkload(file)).toThrow(/Invalid workload .*bad\.yaml: mix/);
    fs.writeFileSync(file, 'name: zero\nmix: { home: 0 }\n');
    expect(() => loadWorkload(file)).toThrow(/at least one weight/);
  });
});
