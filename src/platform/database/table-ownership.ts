/**
 * Which module owns which table, and the check that only the owner touches it.
 *
 * The rule: every table has one owning module (a folder under src/<context>/<module>) and only
 * that module's files write or read it. Another module reads the owner's data through what the
 * owner exports: its services, its query functions, or the SQL views and functions a migration of
 * the owner creates (READ_MODELS below; plain projections PostgreSQL inlines). Anyone may read a
 * read model; only its owner may write through it.
 *
 * `src/platform/database/table-ownership.spec.ts` runs `checkTableOwnership()` over every non-spec
 * .ts file under src/ (in `npm run lint` and the unit tests). See docs/architecture.md, "Tables
 * and their owners". Pure functions over file text: nothing here touches the database.
 */

/** Table → the module folder that owns it. Every table a migration creates is listed. */
export const TABLE_OWNERS: Readonly<Record<string, string>> = {
  subscribers: 'src/audience/subscribers',
  subscriber_dates: 'src/audience/subscribers',
  subscriptions: 'src/audience/subscribers',
  subscriber_imports: 'src/audience/subscribers',
  topics: 'src/audience/topics',
  consent_events: 'src/audience/consent',
  data_purposes: 'src/audience/purposes',
  data_use_grants: 'src/audience/purposes',
  suppressions: 'src/audience/suppressions',
  outbound_messages: 'src/messaging/delivery',
  alerts: 'src/messaging/alerts',
  templates: 'src/messaging/rendering',
  template_versions: 'src/messaging/rendering',
  campaigns: 'src/programmes/campaigns',
  content_items: 'src/programmes/content',
  events: 'src/programmes/lifecycle',
  lifecycle_rules: 'src/programmes/lifecycle',
  lifecycle_rule_progress: 'src/programmes/lifecycle',
  lifecycle_cooldowns: 'src/programmes/lifecycle',
  lifecycle_attribute_states: 'src/programmes/lifecycle',
  lifecycle_missed_promises: 'src/programmes/lifecycle',
  lifecycle_recheck: 'src/programmes/lifecycle',
  lifecycle_time_zones: 'src/programmes/lifecycle',
  silence_reports: 'src/programmes/watchdog',
  signup_requests: 'src/programmes/signup',
  feedback_votes: 'src/trust/feedback',
  trust_question_state: 'src/trust/questions',
  trust_question_asks: 'src/trust/questions',
  trust_expectations: 'src/trust/questions',
  webhook_reports: 'src/surfaces/webhooks',
  delivery_signals: 'src/surfaces/webhooks',
  api_keys: 'src/surfaces/api',
  users: 'src/surfaces/accounts',
  user_sessions: 'src/surfaces/accounts',
  account_tokens: 'src/surfaces/accounts',
  activity_log: 'src/surfaces/accounts',
  inbound_messages: 'src/surfaces/inbound-mail',
  event_outbox: 'src/platform/events',
  event_interest: 'src/platform/events',
  webhook_endpoints: 'src/surfaces/webhook-endpoints',
  webhook_deliveries: 'src/surfaces/webhook-endpoints',
};

/**
 * Read models: views a migration of the owning module creates for other modules to read (what
 * each holds and who reads it: docs/architecture.md). A view reads only its owner's tables.
 */
export const READ_MODELS: Readonly<Record<string, string>> = {
  audience_subscribers: 'src/audience/subscribers',
  audience_subscriptions: 'src/audience/subscribers',
  audience_subscriber_dates: 'src/audience/subscribers',
  audience_topics: 'src/audience/topics',
  audience_consent_events: 'src/audience/consent',
  audience_preference_changes: 'src/audience/consent',
  audience_data_purposes: 'src/audience/purposes',
  audience_data_use_grants: 'src/audience/purposes',
  audience_suppressions: 'src/audience/suppressions',
  messaging_ledger_messages: 'src/messaging/delivery',
  messaging_regular_sends: 'src/messaging/delivery',
  messaging_folded_items: 'src/messaging/delivery',
  programmes_content_items: 'src/programmes/content',
  programmes_lifecycle_rules: 'src/programmes/lifecycle',
  programmes_lifecycle_rule_progress: 'src/programmes/lifecycle',
  programmes_lifecycle_recheck: 'src/programmes/lifecycle',
  programmes_lifecycle_missed_promises: 'src/programmes/lifecycle',
  trust_feedback_votes: 'src/trust/feedback',
  surfaces_delivery_signals: 'src/surfaces/webhooks',
};

/** A use of a table the checker lets through for now, with the reason. */
export interface PendingUse {
  file: string;
  table: string;
}

/**
 * PENDING: uses of another module's table let through for now, while another branch converts
 * them. Empty: every module reads another's tables through its services and read models. The
 * spec fails on an entry that matches no use, and on any entry at all: do not add to it.
 */
export const PENDING: readonly PendingUse[] = [];

/** A table (or read model) named by a file, and how. */
export interface TableUse {
  file: string;
  line: number;
  table: string;
  write: boolean;
  /** What named it: the SQL keyword or the TypeORM call. */
  via: string;
}

export interface OwnershipViolation extends TableUse {
  owner: string;
  message: string;
}

export interface SourceText {
  /** Relative to the repository root, with forward slashes: `src/audience/topics/x.ts`. */
  path: string;
  text: string;
}

interface Literal {
  /** The literal's text at its position in the source, `${...}` blanked to `#` and spaces. */
  text: string;
  start: number;
}

/**
 * Splits TypeScript source into its string and template literals and the rest (code with
 * comments and literals blanked, same length, newlines kept). Good enough for our own sources:
 * it knows comments, quotes, nested template expressions and regular expression literals.
 */
export function splitSource(source: string): { literals: Literal[]; code: string } {
  const out = source.split('');
  const literals: Literal[] = [];
  const n = source.length;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };

  const quoted = (i: number): number => {
    const q = source[i];
    let j = i + 1;
    while (j < n && source[j] !== q && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
    literals.push({ text: source.slice(i + 1, j), start: i + 1 });
    blank(i + 1, j);
    return j + 1;
  };

  const template = (i: number): number => {
    const chars: string[] = [];
    let j = i + 1;
    while (j < n && source[j] !== '`') {
      if (source[j] === '\\') {
        chars.push(source[j], source[j + 1] ?? '');
        j += 2;
      } else if (source[j] === '$' && source[j + 1] === '{') {
        const end = code(j + 2, true);
        for (let k = j; k <= end && k < n; k++) chars.push(k === j ? '#' : ' ');
        j = end + 1;
      } else {
        chars.push(source[j]);
        j++;
      }
    }
    literals.push({ text: chars.join(''), start: i + 1 });
    // Blank only the literal parts: the expressions were blanked by their own pass.
    for (let k = i + 1, c = 0; k < j; k++, c++)
      if (chars[c] !== '#' && chars[c] !== ' ') blank(k, k + 1);
    return j + 1;
  };

  const REGEX_AFTER = new Set('(,=:[!&|?{};+-*%<>~^'.split(''));
  const REGEX_AFTER_WORD =
    /(?:^|[^\w$])(return|typeof|case|in|of|void|delete|new|throw|yield|await|else|do)$/;

  /** Code until the `}` closing a template expression (when inExpression), or the end. */
  function code(i: number, inExpression: boolean): number {
    let depth = 0;
    let prev = '';
    while (i < n) {
      const c = source[i];
      if (c === '/' && source[i + 1] === '/') {
        const end = source.indexOf('\n', i);
        const stop = end === -1 ? n : end;
        blank(i, stop);
        i = stop;
        continue;
      }
      if (c === '/' && source[i + 1] === '*') {
        const end = source.indexOf('*/', i + 2);
        const stop = end === -1 ? n : end + 2;
        blank(i, stop);
        i = stop;
        continue;
      }
      if (c === "'" || c === '"') {
        i = quoted(i);
        prev = 'a';
        continue;
      }
      if (c === '`') {
        i = template(i);
        prev = 'a';
        continue;
      }
      if (
        c === '/' &&
        (prev === '' ||
          REGEX_AFTER.has(prev) ||
          REGEX_AFTER_WORD.test(source.slice(Math.max(0, i - 12), i).trimEnd()))
      ) {
        let j = i + 1;
        let inClass = false;
        while (j < n && source[j] !== '\n') {
          if (source[j] === '\\') j++;
          else if (source[j] === '[') inClass = true;
          else if (source[j] === ']') inClass = false;
          else if (source[j] === '/' && !inClass) break;
          j++;
        }
        blank(i + 1, j);
        i = j + 1;
        prev = 'a';
        continue;
      }
      if (c === '{') depth++;
      if (c === '}') {
        if (depth === 0 && inExpression) return i;
        depth--;
      }
      if (!/\s/.test(c)) prev = /[\w$)\]]/.test(c) ? 'a' : c;
      i++;
    }
    return i;
  }

  code(0, false);
  return { literals, code: out.join('') };
}

/** The source with its comments blanked (strings kept). */
function withoutComments(source: string): string {
  const { literals, code } = splitSource(source);
  const out = code.split('');
  for (const literal of [...literals].reverse()) {
    for (let k = 0; k < literal.text.length; k++) out[literal.start + k] = literal.text[k];
  }
  return out.join('');
}

/** SQL naming a relation: the keyword (write or read) and the name after it. */
const SQL_REFERENCE =
  /\b(delete\s+from|insert\s+into|merge\s+into|update|truncate(?:\s+table)?|copy|from|join|using)\s+(?:only\s+)?(?:public\.)?"?([a-z_][a-z0-9_]*)"?/gi;
const WRITES = /^(delete|insert|merge|update|truncate|copy)/i;
/** `FROM a x, b y`: further relations of a comma list. */
const COMMA_RELATION =
  /^\s*(?:(?:as\s+)?(?!where\b|join\b|on\b|group\b|order\b|limit\b)[a-z_][a-z0-9_]*)?\s*,\s*(?:public\.)?"?([a-z_][a-z0-9_]*)"?/i;

/** A query builder or repository given a table name: `.from('t', 'x')`, `.innerJoin('t', ...)`. */
const BUILDER_CALL =
  /\.(from|innerJoin|leftJoin|innerJoinAndSelect|leftJoinAndSelect|into|update|getRepository|createQueryBuilder)\(\s*$/;
const BUILDER_WRITES = new Set(['into', 'update']);

/**
 * Relations (tables and read models) a file's SQL names, in string and template literals, and
 * table names handed to TypeORM's query builder as strings.
 */
export function sqlUses(file: SourceText, relations: ReadonlySet<string>): TableUse[] {
  const { literals, code } = splitSource(file.text);
  const uses: TableUse[] = [];
  for (const literal of literals) {
    const call = BUILDER_CALL.exec(code.slice(Math.max(0, literal.start - 80), literal.start - 1));
    if (call && relations.has(literal.text)) {
      uses.push({
        file: file.path,
        line: lineOf(file.text, literal.start),
        table: literal.text,
        write: BUILDER_WRITES.has(call[1]),
        via: `.${call[1]}('${literal.text}')`,
      });
    }
    for (const m of literal.text.matchAll(SQL_REFERENCE)) {
      const keyword = m[1].replace(/\s+/g, ' ').toUpperCase();
      const found = [{ name: m[2], at: m.index }];
      if (keyword === 'FROM') {
        let rest = literal.text.slice(m.index + m[0].length);
        let offset = m.index + m[0].length;
        for (let c = rest.match(COMMA_RELATION); c; c = rest.match(COMMA_RELATION)) {
          found.push({ name: c[1], at: offset + c.index! });
          offset += c[0].length;
          rest = rest.slice(c[0].length);
        }
      }
      for (const { name, at } of found) {
        const table = name.toLowerCase();
        if (!relations.has(table)) continue;
        uses.push({
          file: file.path,
          line: lineOf(file.text, literal.start + at),
          table,
          write: WRITES.test(keyword),
          via: keyword,
        });
      }
    }
  }
  return uses;
}

/** Entity class → table, from `@Entity('table') export class Name` in the given files. */
export function entityTables(
  files: readonly SourceText[],
): Map<string, { table: string; file: string }> {
  const entities = new Map<string, { table: string; file: string }>();
  for (const file of files) {
    const text = withoutComments(file.text);
    const pattern =
      /@Entity\(\s*(?:'([a-z_][a-z0-9_]*)'|\{[^}]*?name:\s*'([a-z_][a-z0-9_]*)'[^}]*\})?\s*\)[\s\S]*?class\s+(\w+)/g;
    for (const m of text.matchAll(pattern)) {
      const table = m[1] ?? m[2];
      if (!table) throw new Error(`${file.path}: @Entity ${m[3]} names no table`);
      entities.set(m[3], { table, file: file.path });
    }
  }
  return entities;
}

const ENTITY_READS = [
  'find',
  'findBy',
  'findOne',
  'findOneBy',
  'findOneOrFail',
  'findOneByOrFail',
  'findAndCount',
  'findAndCountBy',
  'count',
  'countBy',
  'exists',
  'existsBy',
  'sum',
  'average',
  'minimum',
  'maximum',
  'createQueryBuilder',
  'from',
  'innerJoin',
  'leftJoin',
  'innerJoinAndSelect',
  'leftJoinAndSelect',
  'innerJoinAndMapOne',
  'innerJoinAndMapMany',
  'leftJoinAndMapOne',
  'leftJoinAndMapMany',
];
const ENTITY_WRITES = [
  'insert',
  'update',
  'upsert',
  'save',
  'delete',
  'remove',
  'softDelete',
  'softRemove',
  'restore',
  'recover',
  'increment',
  'decrement',
  'create',
  'merge',
  'preload',
  'clear',
  'into',
];

/**
 * TypeORM use of entities in a file's code (comments and strings excluded): repositories
 * (`getRepository(X)`, `@InjectRepository(X)`, `forFeature([X])`), entity-manager and query
 * builder calls with the entity class first (`manager.find(X, ...)`, `.innerJoin(X, ...)`) and
 * relations (`@ManyToOne(() => X)`).
 */
export function entityUses(
  file: SourceText,
  entities: ReadonlyMap<string, { table: string }>,
): TableUse[] {
  const { code } = splitSource(file.text);
  const uses: TableUse[] = [];
  const add = (name: string, at: number, via: string, write: boolean): void => {
    const entity = entities.get(name);
    if (entity)
      uses.push({ file: file.path, line: lineOf(file.text, at), table: entity.table, write, via });
  };
  for (const m of code.matchAll(
    /\b(getRepository|getTreeRepository|InjectRepository)\(\s*(\w+)/g,
  )) {
    add(m[2], m.index, `${m[1]}(${m[2]})`, false);
  }
  for (const m of code.matchAll(/\bforFeature\(\s*\[([^\]]*)\]/g)) {
    for (const e of m[1].matchAll(/\w+/g)) add(e[0], m.index, `forFeature([${e[0]}])`, false);
  }
  const methods = [...ENTITY_READS, ...ENTITY_WRITES].join('|');
  for (const m of code.matchAll(new RegExp(`\\.(${methods})\\(\\s*(\\w+)\\s*[,)]`, 'g'))) {
    add(m[2], m.index, `.${m[1]}(${m[2]})`, ENTITY_WRITES.includes(m[1]));
  }
  for (const m of code.matchAll(
    /@(ManyToOne|OneToMany|OneToOne|ManyToMany)\(\s*\(\)\s*=>\s*(\w+)/g,
  )) {
    add(m[2], m.index, `@${m[1]}(${m[2]})`, false);
  }
  return uses;
}

/** Tables and views the migrations create. */
export function migrationRelations(migrations: readonly SourceText[]): {
  tables: Map<string, string>;
  views: Map<string, { file: string; sql: string }>;
} {
  const tables = new Map<string, string>();
  const views = new Map<string, { file: string; sql: string }>();
  for (const file of migrations) {
    for (const literal of splitSource(file.text).literals) {
      for (const m of literal.text.matchAll(
        /\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)/gi,
      )) {
        tables.set(m[1].toLowerCase(), file.path);
      }
      const view = literal.text.match(/\bCREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+([a-z_][a-z0-9_]*)/i);
      if (view) views.set(view[1].toLowerCase(), { file: file.path, sql: literal.text });
    }
  }
  return { tables, views };
}

export interface OwnershipRules {
  owners: Readonly<Record<string, string>>;
  readModels: Readonly<Record<string, string>>;
  pending: readonly PendingUse[];
}

export const RULES: OwnershipRules = {
  owners: TABLE_OWNERS,
  readModels: READ_MODELS,
  pending: PENDING,
};

const isIn = (file: string, folder: string): boolean => file.startsWith(`${folder}/`);

/**
 * Every use of a table outside its owner's folder, and every write through a read model outside
 * its owner's, except the PENDING ones. `files`: the non-spec sources under src/.
 */
export function checkTableOwnership(
  files: readonly SourceText[],
  rules: OwnershipRules = RULES,
): OwnershipViolation[] {
  const relations = new Set([...Object.keys(rules.owners), ...Object.keys(rules.readModels)]);
  const entities = entityTables(files);
  const violations: OwnershipViolation[] = [];
  for (const file of files) {
    for (const use of [...sqlUses(file, relations), ...entityUses(file, entities)]) {
      const table = rules.owners[use.table];
      const owner = table ?? rules.readModels[use.table];
      if (isIn(use.file, owner)) continue;
      if (!table && !use.write) continue;
      if (rules.pending.some((p) => p.file === use.file && p.table === use.table)) continue;
      const does = table ? (use.write ? 'writes' : 'reads') : 'writes the read model';
      violations.push({
        ...use,
        owner,
        message:
          `${use.file}:${use.line} ${does} ${use.table} (${use.via}), which ${owner} owns: ` +
          (table
            ? `use what ${owner} exports (a service, or a read model of its migration)`
            : `only ${owner} writes it`),
      });
    }
  }
  return violations;
}

/** PENDING entries that match no use any more. */
export function stalePending(
  files: readonly SourceText[],
  rules: OwnershipRules = RULES,
): PendingUse[] {
  const open = checkTableOwnership(files, { ...rules, pending: [] });
  return rules.pending.filter((p) => !open.some((v) => v.file === p.file && v.table === p.table));
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}
