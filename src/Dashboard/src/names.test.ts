import { describe, expect, it } from 'vitest';
import { texts } from './i18n';
import { levelOf, pathOf, SubjectNames, UnitNames, type UnitName } from './names';

const t = texts('zh');
const en = texts('en');

/** A names endpoint over fixed units, within a scope, recording each request's codes. */
function server(units: UnitName[], scope = '') {
  const requests: string[][] = [];
  const read = async (codes: string[]) => {
    requests.push(codes);
    return { items: units.filter((u) => codes.includes(u.code) && u.code.startsWith(scope)) };
  };
  return { requests, read };
}

const city: UnitName[] = [
  { code: '5101', name: '成都市' },
  { code: '510104', name: '锦江区' },
  { code: '510104022', name: '春熙路街道' },
  { code: '510104022001', name: '水井坊社区' },
  { code: '510104022001003', name: '水井坊社区第3网格' },
  { code: '510105', name: '青羊区' },
];

describe('unit codes', () => {
  it('have their level by length and their ancestors by prefix', () => {
    expect(levelOf('510104022')).toBe('street');
    expect(levelOf('510104022001003')).toBe('grid');
    expect(levelOf('51010')).toBeUndefined();
    expect(pathOf('510104022001')).toEqual(['5101', '510104', '510104022', '510104022001']);
  });
});

describe('UnitNames', () => {
  it('asks the unknown codes of a moment in one request, each code once, and says when names arrive', async () => {
    const api = server(city);
    let changed = 0;
    const names = new UnitNames(api.read, () => changed++);
    names.learnUnits([{ code: '510104', name: '锦江区' }]);
    expect(names.name('510104')).toBe('锦江区');
    expect(names.name('510104022')).toBeUndefined();
    names.want(['510104022', '510104022001', '510104']);
    await names.flush();
    expect(api.requests).toEqual([['510104022', '510104022001']]);
    expect(changed).toBe(1);
    expect(names.name('510104022001')).toBe('水井坊社区');
    names.want(['510104022', '510104022001']);
    await names.flush();
    expect(api.requests).toHaveLength(1);   // known: nothing asked again
  });

  it('sends at most 200 codes per request', async () => {
    const api = server([]);
    const names = new UnitNames(api.read);
    names.want(Array.from({ length: 450 }, (_, i) => `510104${String(i).padStart(3, '0')}`));
    await names.flush();
    expect(api.requests.map((r) => r.length)).toEqual([200, 200, 50]);
  });

  it('never shows a code: a unit the caller may not see (left out by the server) is named by its level', async () => {
    const api = server(city, '510104');
    const names = new UnitNames(api.read);
    expect(names.label('510105', t)).toBe('区');
    await names.flush();
    expect(names.label('510105', t)).toBe('区');
    expect(names.label('510105', en)).toBe('District');
    expect(api.requests).toEqual([['510105']]);   // and it is not asked again
    expect(names.label('510104', t)).toBe('区');
    await names.flush();
    expect(names.label('510104', t)).toBe('锦江区');
  });

  it('asks again a code whose request failed', async () => {
    let fail = true;
    const requests: string[][] = [];
    const names = new UnitNames(async (codes) => {
      requests.push(codes);
      if (fail) {
        throw new Error('503');
      }
      return { items: city.filter((u) => codes.includes(u.code)) };
    });
    names.want(['510104022']);
    await names.flush();
    fail = false;
    names.want(['510104022']);
    await names.flush();
    expect(requests).toEqual([['510104022'], ['510104022']]);
    expect(names.name('510104022')).toBe('春熙路街道');
  });

  it('places a code below the unit on screen by the names in between, each once', async () => {
    const names = new UnitNames(server(city).read);
    expect(names.place('510104022001003', '510104', t)).toBe('街道 › 社区 › 网格');   // not known yet: levels, never digits
    expect(names.place('510104022001', '5101', t)).toBe('区 › 街道 › 社区');
    await names.flush();
    expect(names.place('510104022001003', '510104', t)).toBe('春熙路街道 › 水井坊社区第3网格');
    expect(names.place('510104022001003', '510104022', t)).toBe('水井坊社区第3网格');
    expect(names.place('510104022001', '5101', t)).toBe('锦江区 › 春熙路街道 › 水井坊社区');
    expect(names.place('510104022', '510104022', t)).toBe('春熙路街道');
    expect(names.place('510104', '510104022', t)).toBe('春熙路街道');   // above the unit on screen: the unit itself
  });

  it('leaves alone what is not a unit code (a department)', async () => {
    const api = server(city);
    const names = new UnitNames(api.read);
    names.want(['510104-CG']);
    await names.flush();
    expect(api.requests).toEqual([]);
  });
});

describe('SubjectNames', () => {
  it('asks the persons behind alerts in one request and names them as the server does (a key person masked)', async () => {
    const requests: string[][] = [];
    const subjects = new SubjectNames(async (keys) => {
      requests.push(keys);
      return { items: [{ kind: 'device', id: 'd1', name: '王小明', masked: false }, { kind: 'key-person', id: 'k1', name: '张*', masked: true }] };
    });
    expect(subjects.of({ kind: 'device', id: 'd1' })).toBeUndefined();
    expect(subjects.of({ kind: 'key-person', id: 'k1' })).toBeUndefined();
    expect(subjects.of({ kind: 'incident', id: 'i1' })).toBeUndefined();   // not a person: never asked
    expect(subjects.of({ kind: 'worker', id: 'w9' })).toBeUndefined();
    await subjects.flush();
    expect(requests).toEqual([['device:d1', 'key-person:k1', 'worker:w9']]);
    expect(subjects.of({ kind: 'device', id: 'd1' })).toBe('王小明');
    expect(subjects.of({ kind: 'key-person', id: 'k1' })).toBe('张*');
    expect(subjects.of({ kind: 'worker', id: 'w9' })).toBeUndefined();    // left out (out of scope): nothing shown, not asked again
    await subjects.flush();
    expect(requests).toHaveLength(1);
  });
});
