import { Injectable, Logger } from '@nestjs/common';
import { InvalidInputError } from '../../../platform/errors/domain-errors';
import { TopicsService } from '../../topics/topics.service';
import { BatchOutcome, BatchSettings, ImportBatchService } from './import-batch.service';
import {
  csvRow,
  CsvHeader,
  ImportFormat,
  ImportRow,
  ndjsonRow,
  parseTopicsOption,
  readCsvHeader,
  RowError,
  RowInput,
  TopicsByKey,
  validateRow,
} from './import-row';
import { readCsvRecords } from './csv-records';
import { MAX_LINE_CHARS, readLines } from './line-reader';
import { ImportResultDto } from './subscriber-import.dto';

/** Rows per transaction: large enough for set-based SQL to pay off, small enough to keep locks short. */
export const IMPORT_BATCH_SIZE = 500;
export const MAX_REPORTED_ERRORS = 1000;

export interface ImportRequest {
  topics?: string;
  consentText?: string;
  consentVersion?: string;
  dryRun?: boolean;
  /** Facts recorded with each consent event (the API key, the file name). */
  details?: Record<string, unknown>;
}

/** An import whose options were checked; made by prepare() before the file is read. */
export interface PreparedImport {
  topics: TopicsByKey;
  settings: BatchSettings;
}

export interface ImportProgress {
  rows: number;
  elapsedMs: number;
  counts: ImportCounts;
}

export interface ImportCounts {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  subscribed: number;
  failed: number;
}

/** What run() found: the answer of the synchronous import, and the refused rows with addresses. */
export interface ImportOutcome {
  result: ImportResultDto;
  /** The first MAX_REPORTED_ERRORS errors in file order, each with the row's address ('' if none). */
  refused: Array<Required<RowError>>;
}

/**
 * Streams a CSV or NDJSON file of subscribers into the database in batches. Memory stays flat:
 * only the current batch and at most MAX_REPORTED_ERRORS errors are held.
 */
@Injectable()
export class SubscriberImportService {
  private readonly logger = new Logger(SubscriberImportService.name);

  constructor(
    private readonly topics: TopicsService,
    private readonly batches: ImportBatchService,
  ) {}

  /** Checks the options (a 400 naming the field) before any of the file is read. */
  async prepare(request: ImportRequest): Promise<PreparedImport> {
    const hasText = request.consentText !== undefined;
    const hasVersion = request.consentVersion !== undefined;
    if (hasText !== hasVersion) {
      const missing = hasText ? 'consentVersion' : 'consentText';
      throw new InvalidInputError(
        `${missing} is required with ${hasText ? 'consentText' : 'consentVersion'}: the wording is recorded with its version`,
        missing,
      );
    }
    const topics = new Map((await this.topics.list(true)).map((t) => [t.key, t]));
    return {
      topics,
      settings: {
        topics: parseTopicsOption(request.topics, topics),
        consent:
          hasText && hasVersion
            ? { text: request.consentText!, version: request.consentVersion! }
            : undefined,
        dryRun: request.dryRun ?? false,
        details: request.details ?? {},
      },
    };
  }

  async run(
    source: AsyncIterable<Buffer | string>,
    format: ImportFormat,
    prepared: PreparedImport,
    onProgress?: (progress: ImportProgress) => void | Promise<void>,
  ): Promise<ImportResultDto> {
    return (await this.runWithReport(source, format, prepared, onProgress)).result;
  }

  /** run(), also returning the refused rows with their addresses (for an import job's report). */
  async runWithReport(
    source: AsyncIterable<Buffer | string>,
    format: ImportFormat,
    prepared: PreparedImport,
    onProgress?: (progress: ImportProgress) => void | Promise<void>,
  ): Promise<ImportOutcome> {
    const started = Date.now();
    const summary = new ImportSummary(prepared.settings.dryRun);
    let batch: ImportRow[] = [];
    const emails = new Set<string>();
    /** The address of each row of the batch by line, to name it in the refused-rows report. */
    const lineEmails = new Map<number, string>();

    const flush = async () => {
      if (!batch.length) return;
      const first = batch[0].line;
      try {
        const outcome = await this.batches.write(batch, prepared.settings);
        summary.add({
          ...outcome,
          errors: outcome.errors.map((e) => ({ ...e, email: lineEmails.get(e.line) ?? '' })),
        });
      } catch (err) {
        // The message and code only: a driver error's detail can quote an address.
        this.logger.error(
          {
            error: (err as Error).message,
            code: (err as { code?: string }).code,
            firstLine: first,
            ...summary.counts(),
          },
          'Import stopped: a batch could not be written',
        );
        throw new Error(
          `The import stopped: the batch of rows starting at line ${first} could not be written ` +
            `(${(err as Error).message}); it was rolled back, rows before it were imported ` +
            `(${summary.describe()})`,
          // The cause tells the HTTP layer whether it was transient (503 with Retry-After).
          { cause: err },
        );
      }
      batch = [];
      emails.clear();
      lineEmails.clear();
      await onProgress?.({
        rows: summary.rows,
        elapsedMs: Date.now() - started,
        counts: summary.counts(),
      });
    };

    const accept = async (input: RowInput) => {
      summary.rows += 1;
      const row = validateRow(input, format, prepared.topics);
      if (Array.isArray(row)) {
        const raw = input.subscriber.email;
        const email = typeof raw === 'string' ? raw.trim() : '';
        summary.fail(row.map((e) => ({ ...e, email })));
        return;
      }
      // A later row for the same address goes into the next batch, so it updates the earlier one.
      if (emails.has(row.email)) await flush();
      batch.push(row);
      emails.add(row.email);
      lineEmails.set(row.line, row.email);
      if (batch.length >= IMPORT_BATCH_SIZE) await flush();
    };

    const lines = readLines(source);
    if (format === 'csv') {
      let header: CsvHeader | undefined;
      for await (const record of readCsvRecords(lines)) {
        if (!header) {
          if ('error' in record) {
            throw new InvalidInputError(
              `The header (line ${record.line}) cannot be read: ${record.error}`,
              'header',
            );
          }
          header = readCsvHeader(record.fields, record.line);
          continue;
        }
        if ('error' in record) {
          summary.rows += 1;
          summary.fail([{ line: record.line, field: 'row', message: record.error }]);
          if (record.fatal) break;
          continue;
        }
        await accept(csvRow(header, record.line, record.fields));
      }
      if (!header) {
        throw new InvalidInputError(
          'The file is empty: a CSV import starts with a header row naming its columns (email, ...)',
          'header',
        );
      }
    } else {
      for await (const { no, text, tooLong } of lines) {
        if (tooLong) {
          summary.rows += 1;
          summary.fail([
            {
              line: no,
              field: 'row',
              message: `the line is longer than ${MAX_LINE_CHARS} characters`,
            },
          ]);
        } else if (text.trim() !== '') {
          await accept(ndjsonRow(no, text));
        }
      }
    }
    await flush();

    const result = summary.result();
    this.logger.log(
      { format, ...summary.counts(), ms: Date.now() - started },
      prepared.settings.dryRun ? 'Import dry run finished' : 'Import finished',
    );
    return { result, refused: summary.refused() };
  }
}

/** Counts, and the first MAX_REPORTED_ERRORS errors. */
class ImportSummary {
  rows = 0;
  private created = 0;
  private updated = 0;
  private unchanged = 0;
  private subscribed = 0;
  private failed = 0;
  private errors: RowError[] = [];
  private truncated = false;

  constructor(private readonly dryRun: boolean) {}

  /** One refused row with its problems. */
  fail(errors: RowError[]): void {
    this.failed += 1;
    this.report(errors);
  }

  add(o: BatchOutcome): void {
    this.created += o.created;
    this.updated += o.updated;
    this.unchanged += o.unchanged;
    this.subscribed += o.subscribed;
    this.failed += o.failed;
    this.report(o.errors);
  }

  counts(): ImportCounts {
    return {
      rows: this.rows,
      created: this.created,
      updated: this.updated,
      unchanged: this.unchanged,
      subscribed: this.subscribed,
      failed: this.failed,
    };
  }

  describe(): string {
    return Object.entries(this.counts())
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  }

  result(): ImportResultDto {
    return {
      ...this.counts(),
      dryRun: this.dryRun,
      // Batch-level refusals arrive after the reading errors of later lines; report in file order.
      // Messages never repeat the address, and the answer leaves it out too.
      errors: this.sorted().map(({ line, field, message }) => ({ line, field, message })),
      errorsTruncated: this.truncated,
    };
  }

  refused(): Array<Required<RowError>> {
    return this.sorted().map((e) => ({ ...e, email: e.email ?? '' }));
  }

  get errorsTruncated(): boolean {
    return this.truncated;
  }

  private sorted(): RowError[] {
    return [...this.errors].sort((a, b) => a.line - b.line);
  }

  private report(errors: RowError[]): void {
    for (const e of errors) {
      if (this.errors.length < MAX_REPORTED_ERRORS) this.errors.push(e);
      else this.truncated = true;
    }
  }
}
