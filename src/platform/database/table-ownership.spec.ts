import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  checkTableOwnership,
  entityTables,
  migrationRelations,
  OwnershipRules,
  PENDING,
  READ_MODELS,
  RULES,
  sqlUses,
  splitSource,
  SourceText,
  stalePending,
  TABLE_OWNERS,
} from './table-ownership';

const ROOT = join(__dirname, '..', '..', '..');

function sources(folder: string, keep: (path: string) => boolean): SourceText[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return walk(join(ROOT, folder))
    .filter(keep)
    .map((path) => ({
      path: relative(ROOT, path).split(sep).join('/'),
      text: readFileSync(path, 'utf8'),
    }));
}

/**
 * Each table has one owning module; other modules read it through what the owner exports (its
 * services, or the read models its migrations create), never with SQL or TypeORM of their own.
 */
describe('Table ownership', () => {
  const src = sources('src', (p) => p.endsWith('.ts') && !p.endsWith('.spec.ts'));
  const migrations = sources('migrations', (p) => p.endsWith('.ts'));
  const created = migrationRelations(migrations);

  it('gives every table the migrations create an owner, and owns no other', () => {
    expect([...created.tables.keys()].filter((t) => !TABLE_OWNERS[t])).toEqual([]);
    expect(Object.keys(TABLE_OWNERS).filter((t) => !created.tables.has(t))).toEqual([]);
  });

  it('names module folders that exist as owners', () => {
    const owners = new Set([...Object.values(TABLE_OWNERS), ...Object.values(READ_MODELS)]);
    expect(
      [...owners].filter((o) => !/^src\/[a-z]+\/[a-z-]+$/.test(o) || !existsSync(join(ROOT, o))),
    ).toEqual([]);
  });

  it('lists every view the migrations create as a read model of one owner', () => {
    expect([...created.views.keys()].filter((v) => !READ_MODELS[v])).toEqual([]);
    expect(Object.keys(READ_MODELS).filter((v) => !created.views.has(v))).toEqual([]);
  });

  it("names each read model after its owner's context: <context>_<what>", () => {
    expect(
      Object.entries(READ_MODELS)
        .filter(([view, owner]) => !view.startsWith(`${owner.split('/')[1]}_`))
        .map(([view]) => view),
    ).toEqual([]);
  });

  it("builds each read model from its owner's tables only", () => {
    const foreign = [...created.views].flatMap(([view, { sql }]) =>
      sqlUses({ path: view, text: `\`${sql}\`` }, new Set(Object.keys(TABLE_OWNERS)))
        .filter((use) => TABLE_OWNERS[use.table] !== READ_MODELS[view])
        .map((use) => `${view} reads ${use.table}`),
    );
    expect(foreign).toEqual([]);
  });

  it('maps every TypeORM entity to a table, defined in its owner', () => {
    const misplaced = [...entityTables(src)]
      .filter(([, e]) => !TABLE_OWNERS[e.table] || !e.file.startsWith(`${TABLE_OWNERS[e.table]}/`))
      .map(([name, e]) => `${name} (${e.table}) in ${e.file}`);
    expect(misplaced).toEqual([]);
  });

  it('finds no file using a table it does not own', () => {
    expect(checkTableOwnership(src).map((v) => v.message)).toEqual([]);
  });

  it('lets nothing through any more: PENDING is empty', () => {
    expect(PENDING).toEqual([]);
  });

  it('keeps PENDING to uses that still exist', () => {
    expect(stalePending(src)).toEqual([]);
    expect(PENDING.filter((p) => !TABLE_OWNERS[p.table])).toEqual([]);
  });

  describe('the checker', () => {
    const rules: OwnershipRules = {
      owners: { subscriptions: 'src/audience/subscribers', topics: 'src/audience/topics' },
      readModels: { audience_subscriptions: 'src/audience/subscribers' },
      pending: [],
    };
    const check = (path: string, text: string, r = rules) =>
      checkTableOwnership([{ path, text }], r).map((v) => v.message);

    it('fails a write from another module, naming file, table and owner', () => {
      const text = [
        "import { x } from './subscriptions';",
        'await m.query(',
        "  `UPDATE subscriptions SET status = 'active' WHERE id = $1`,",
        ');',
      ].join('\n');
      expect(check('src/programmes/campaigns/fanout.ts', text)).toEqual([
        'src/programmes/campaigns/fanout.ts:3 writes subscriptions (UPDATE), which ' +
          'src/audience/subscribers owns: use what src/audience/subscribers exports (a service, ' +
          'or a read model of its migration)',
      ]);
    });

    it('fails reads too, in quotes, templates with expressions and comma joins', () => {
      const text = [
        "const a = 'SELECT 1 FROM subscriptions WHERE true';",
        'const b = `SELECT ${cols} FROM audience_subscriptions x',
        '           JOIN topics t ON t.id = x.topic_id ${where}`;',
        "const c = `DELETE FROM x USING ${'y'} WHERE z`;",
        "const d = 'SELECT 1 FROM pg_class p, topics t';",
      ].join('\n');
      expect(check('src/surfaces/api/x.ts', text)).toEqual([
        expect.stringMatching(/^src\/surfaces\/api\/x\.ts:1 reads subscriptions \(FROM\)/),
        expect.stringMatching(/^src\/surfaces\/api\/x\.ts:3 reads topics \(JOIN\)/),
        expect.stringMatching(/^src\/surfaces\/api\/x\.ts:5 reads topics \(FROM\)/),
      ]);
    });

    it('lets the owner use its tables, and anyone read a read model', () => {
      expect(
        check('src/audience/subscribers/x.ts', '`INSERT INTO subscriptions VALUES (1)`'),
      ).toEqual([]);
      expect(check('src/trust/reports/x.ts', '`SELECT 1 FROM audience_subscriptions`')).toEqual([]);
      expect(check('src/trust/reports/x.ts', '`UPDATE audience_subscriptions SET a = 1`')).toEqual([
        expect.stringMatching(
          /writes the read model audience_subscriptions .*only src\/audience\/subscribers/,
        ),
      ]);
    });

    it('ignores comments, and words that are not SQL', () => {
      const text = [
        '// SELECT * FROM subscriptions',
        '/* UPDATE topics SET x = 1 */',
        "throw new Error('Could not remove x from topics');",
        "const re = /'FROM subscriptions/;",
      ].join('\n');
      // English in an error message reads like SQL: the checker errs on the side of reporting it.
      expect(check('src/surfaces/api/x.ts', text)).toEqual([
        expect.stringMatching(/x\.ts:3 reads topics/),
      ]);
    });

    it('finds TypeORM use of another module’s entities', () => {
      const entity: SourceText = {
        path: 'src/audience/subscribers/subscription.entity.ts',
        text: "@Entity('subscriptions')\nexport class Subscription {}",
      };
      const user: SourceText = {
        path: 'src/surfaces/api/x.ts',
        text: [
          'constructor(@InjectRepository(Subscription) repo: Repository<Subscription>) {}',
          'await manager.find(Subscription, { where: {} });',
          "qb.innerJoin('topics', 't', 't.id = x.topic_id');",
          'getRepository(Subscription).save(x);',
        ].join('\n'),
      };
      expect(checkTableOwnership([entity, user], rules).map((v) => `${v.line} ${v.via}`)).toEqual([
        "3 .innerJoin('topics')",
        '1 InjectRepository(Subscription)',
        '4 getRepository(Subscription)',
        '2 .find(Subscription)',
      ]);
    });

    it('lets PENDING uses through, and reports them once they are gone', () => {
      const file = { path: 'src/surfaces/api/x.ts', text: '`SELECT 1 FROM topics`' };
      const pending = { ...rules, pending: [{ file: file.path, table: 'topics' }] };
      expect(checkTableOwnership([file], pending)).toEqual([]);
      expect(stalePending([{ ...file, text: '' }], pending)).toEqual(pending.pending);
    });

    it('splits source into code and literals', () => {
      const { literals, code } = splitSource("a(`x ${b('y')} z`); // c\nconst r = /'/;");
      expect(literals.map((l) => l.text)).toEqual(['y', 'x #         z']);
      expect(code).toBe("a(`  ${b(' ')}  `);     \nconst r = / /;");
    });

    it('is what the spec runs', () => {
      expect(RULES).toEqual({ owners: TABLE_OWNERS, readModels: READ_MODELS, pending: PENDING });
    });
  });
});
