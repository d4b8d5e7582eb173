import {
  bodyProblem,
  bytesProblem,
  formProblem,
  jsonDeeperThan,
  pathProblem,
  percentDecode,
  stringProblem,
} from './text-input';

describe('text-input', () => {
  describe(bytesProblem.name, () => {
    it.each([
      [[0x61, 0x00], 'nul'],
      [[0xff], 'invalid_utf8'],
      [[0xc0, 0xaf], 'invalid_utf8'], // overlong "/"
      [[0xed, 0xa0, 0x80], 'invalid_utf8'], // a surrogate
      [[0xe2, 0x82], 'invalid_utf8'], // truncated
      [[0x63, 0x61, 0x66, 0xc3, 0xa9], null], // "café"
      [[0xf0, 0x9f, 0x98, 0x80], null], // an emoji
    ])('%j → %s', (bytes, problem) => {
      expect(bytesProblem(Buffer.from(bytes))).toBe(problem);
    });
  });

  describe(stringProblem.name, () => {
    it('finds NUL and unpaired surrogates, and U+FFFD only when the bytes were not UTF-8', () => {
      expect(stringProblem('a\u0000b')).toBe('nul');
      expect(stringProblem('\ud800')).toBe('invalid_utf8');
      expect(stringProblem('x\udc00')).toBe('invalid_utf8');
      expect(stringProblem('\ud83d\ude00')).toBeNull();
      expect(stringProblem('\uFFFD')).toBeNull();
      expect(stringProblem('\uFFFD', true)).toBe('invalid_utf8');
    });
  });

  describe(percentDecode.name, () => {
    it('decodes escapes, keeps a stray % literal in queries and refuses it in paths', () => {
      expect(percentDecode('a%20b+c', false)).toEqual(Buffer.from('a b c'));
      expect(percentDecode('a%20b+c', true)).toEqual(Buffer.from('a b+c'));
      expect(percentDecode('100%', false)).toEqual(Buffer.from('100%'));
      expect(percentDecode('%zz', false)).toEqual(Buffer.from('%zz'));
      expect(percentDecode('100%', true)).toBeNull();
      expect(percentDecode('caf\xe9', false)).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    });
  });

  describe(formProblem.name, () => {
    it('names the first field whose name or value is not clean text', () => {
      expect(formProblem('a=1&topic=%00&b=%FF')).toEqual({ field: 'topic', problem: 'nul' });
      expect(formProblem('email=%C0%AF')).toEqual({ field: 'email', problem: 'invalid_utf8' });
      expect(formProblem('%FF=1')).toEqual({ field: '%FF', problem: 'invalid_utf8' });
      expect(formProblem('na%6De=x%00')).toEqual({ field: 'name', problem: 'nul' });
      expect(formProblem('a=caf%C3%A9&b=%F0%9F%98%80&&c&d=')).toBeNull();
    });
  });

  describe(pathProblem.name, () => {
    it('gives the index of the first bad segment', () => {
      expect(pathProblem('/v1/topics/%00')).toEqual({ index: 3, problem: 'nul' });
      expect(pathProblem('/v1/%FF/x')).toEqual({ index: 2, problem: 'invalid_utf8' });
      expect(pathProblem('/v1/topics/%')).toEqual({ index: 3, problem: 'invalid_utf8' });
      expect(pathProblem('/v1/topics/caf%C3%A9%20x')).toBeNull();
    });
  });

  describe(jsonDeeperThan.name, () => {
    const deep = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));

    it('counts objects and arrays, not brackets inside strings', () => {
      expect(jsonDeeperThan(deep(32), 32)).toBe(false);
      expect(jsonDeeperThan(deep(33), 32)).toBe(true);
      expect(jsonDeeperThan(Buffer.from('{"a":{"b":[1]}}'), 3)).toBe(false);
      expect(jsonDeeperThan(Buffer.from('{"a":{"b":[1]}}'), 2)).toBe(true);
      expect(jsonDeeperThan(Buffer.from(`{"a":"${'['.repeat(100)}"}`), 2)).toBe(false);
      expect(jsonDeeperThan(Buffer.from(`{"a":"\\"${'['.repeat(100)}"}`), 2)).toBe(false);
    });

    it('reads 100,000 levels without recursing', () => {
      expect(jsonDeeperThan(deep(100_000), 32)).toBe(true);
    });
  });

  describe(bodyProblem.name, () => {
    it('names the path of the first bad string or key, as validation names fields', () => {
      expect(bodyProblem({ a: 'ok', topics: [{ topic: 'x' }, { topic: 'y\u0000' }] })).toEqual({
        field: 'topics.1.topic',
        problem: 'nul',
      });
      expect(bodyProblem({ attributes: { 'k\u0000': 1 } })).toEqual({
        field: 'attributes.k\\u0000',
        problem: 'nul',
      });
      expect(bodyProblem({ name: 'caf\uFFFD' }, true)).toEqual({
        field: 'name',
        problem: 'invalid_utf8',
      });
      expect(bodyProblem({ name: 'caf\uFFFD', n: 1, b: null, t: true })).toBeNull();
    });
  });
});
