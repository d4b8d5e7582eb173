import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataSource } from 'typeorm';
import { InvalidInputError, NotFoundError } from '../../../platform/errors/domain-errors';
import { queryRows } from '../../../platform/database/sql';
import { isUuid } from '../../../platform/ids';
import { readCsvRecords } from './csv-records';
import { ImportFormat, readCsvHeader, RowError } from './import-row';
import { readLines } from './line-reader';
import { ImportJobDto, ImportJobStatus } from './subscriber-import.dto';
import { ImportCounts, ImportRequest, SubscriberImportService } from './subscriber-import.service';

/** A finished import's record (and the addresses of its refused rows) is kept this long. */
export const IMPORT_JOB_KEPT_DAYS = 7;

/** A running job's row is touched this often, so a reader can tell a live job from a dead one. */
export const IMPORT_JOB_HEARTBEAT_MS = 10_000;
/** A running job whose row was not touched for this long is reported `interrupted`. */
export const IMPORT_JOB_STALE_SECONDS = 60;

interface JobRow {
  id: string;
  status: ImportJobStatus;
  format: ImportFormat;
  dry_run: boolean;
  total: number;
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  subscribed: number;
  refused: number;
  refused_truncated: boolean;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
  stale: boolean;
}

/**
 * Imports that run after the answer: the file is stored in a temporary file, its rows counted
 * (and its CSV header checked, a 400 before anything starts), then SubscriberImportService
 * reads it in the background while the job's row in subscriber_imports holds the progress.
 * The job runs in the API process that took the upload; its row is readable from any process.
 */
@Injectable()
export class ImportJobsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ImportJobsService.name);
  private readonly running = new Set<Promise<void>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly imports: SubscriberImportService,
  ) {}

  async start(
    body: Readable,
    format: ImportFormat,
    request: ImportRequest,
    startedBy: string,
  ): Promise<ImportJobDto> {
    const prepared = await this.imports.prepare(request);
    const dir = await mkdtemp(join(tmpdir(), 'tidings-import-'));
    const file = join(dir, 'upload');
    let id: string;
    try {
      await pipeline(body, createWriteStream(file));
      const total = await countRows(file, format);
      await this.dataSource.query(
        `DELETE FROM subscriber_imports
          WHERE finished_at < now() - make_interval(days => $1)
             OR (finished_at IS NULL AND updated_at < now() - make_interval(days => $1))`,
        [IMPORT_JOB_KEPT_DAYS],
      );
      [{ id }] = await queryRows<{ id: string }>(
        this.dataSource,
        `INSERT INTO subscriber_imports (format, dry_run, total, started_by)
         VALUES ($1, $2, $3, $4) RETURNING id`,
        [format, prepared.settings.dryRun, total, startedBy],
      );
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    const job = this.process(id, file, format, prepared).finally(() =>
      rm(dir, { recursive: true, force: true }),
    );
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
    return this.get(id);
  }

  async get(id: string): Promise<ImportJobDto> {
    const row = await this.row(id);
    return toDto(row);
  }

  /** The refused rows as CSV: line, email, reason (the first 1000, in file order). */
  async refusedCsv(id: string): Promise<string> {
    await this.row(id);
    const [{ rows }] = await queryRows<{ rows: Array<Required<RowError>> }>(
      this.dataSource,
      `SELECT refused_rows AS rows FROM subscriber_imports WHERE id = $1`,
      [id],
    );
    const lines = ['line,email,reason'];
    for (const r of rows) {
      lines.push(
        [String(r.line), csvField(r.email), csvField(`${r.field}: ${r.message}`)].join(','),
      );
    }
    return `${lines.join('\r\n')}\r\n`;
  }

  /** Lets running imports finish before the database connection closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async row(id: string): Promise<JobRow> {
    if (!isUuid(id)) throw new NotFoundError(`Import ${id} not found`, 'id');
    const rows = await queryRows<JobRow>(
      this.dataSource,
      `SELECT id, status, format, dry_run, total, processed, created, updated, unchanged,
              subscribed, refused, refused_truncated, error, created_at, finished_at,
              status = 'running'
                AND updated_at < now() - make_interval(secs => $2) AS stale
         FROM subscriber_imports WHERE id = $1`,
      [id, IMPORT_JOB_STALE_SECONDS],
    );
    if (!rows.length) throw new NotFoundError(`Import ${id} not found`, 'id');
    return rows[0];
  }

  private async process(
    id: string,
    file: string,
    format: ImportFormat,
    prepared: Awaited<ReturnType<SubscriberImportService['prepare']>>,
  ): Promise<void> {
    // While the job reads, its row shows it is alive; a process that dies stops the heartbeat
    // and readers report the job `interrupted` instead of `running` for ever.
    const heartbeat = setInterval(() => {
      this.dataSource
        .query(
          `UPDATE subscriber_imports SET updated_at = now() WHERE id = $1 AND status = 'running'`,
          [id],
        )
        .catch((e: unknown) =>
          this.logger.warn(
            { importId: id, error: (e as Error).message },
            'Import heartbeat failed',
          ),
        );
    }, IMPORT_JOB_HEARTBEAT_MS);
    heartbeat.unref();
    try {
      const outcome = await this.imports.runWithReport(
        createReadStream(file, { highWaterMark: 256 * 1024 }),
        format,
        prepared,
        ({ counts }) => this.progress(id, counts),
      );
      const r = outcome.result;
      await this.dataSource.query(
        `UPDATE subscriber_imports
            SET status = 'finished', processed = $2, created = $3, updated = $4, unchanged = $5,
                subscribed = $6, refused = $7, refused_rows = $8, refused_truncated = $9,
                updated_at = now(), finished_at = now()
          WHERE id = $1`,
        [
          id,
          r.rows,
          r.created,
          r.updated,
          r.unchanged,
          r.subscribed,
          r.failed,
          JSON.stringify(outcome.refused),
          r.errorsTruncated,
        ],
      );
    } catch (err) {
      // The message only: the import's own error names the line, never an address.
      const message = (err as Error).message;
      this.logger.error({ importId: id, error: message }, 'Import job stopped');
      await this.dataSource
        .query(
          `UPDATE subscriber_imports SET status = 'failed', error = $2, updated_at = now(),
                  finished_at = now() WHERE id = $1`,
          [id, message],
        )
        .catch((e: unknown) =>
          this.logger.error(
            { importId: id, error: (e as Error).message },
            'Could not record that the import job stopped',
          ),
        );
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async progress(id: string, c: ImportCounts): Promise<void> {
    await this.dataSource.query(
      `UPDATE subscriber_imports
          SET processed = $2, created = $3, updated = $4, unchanged = $5, subscribed = $6,
              refused = $7, updated_at = now()
        WHERE id = $1`,
      [id, c.rows, c.created, c.updated, c.unchanged, c.subscribed, c.failed],
    );
  }
}

/**
 * The rows of the file as the import counts them (a CSV header and blank lines are not rows);
 * a CSV header that cannot be read or names an unknown column is a 400 here, before the job.
 */
async function countRows(file: string, format: ImportFormat): Promise<number> {
  const lines = readLines(createReadStream(file, { highWaterMark: 256 * 1024 }));
  let rows = 0;
  if (format === 'csv') {
    let header = false;
    for await (const record of readCsvRecords(lines)) {
      if (!header) {
        if ('error' in record) {
          throw new InvalidInputError(
            `The header (line ${record.line}) cannot be read: ${record.error}`,
            'header',
          );
        }
        readCsvHeader(record.fields, record.line);
        header = true;
        continue;
      }
      rows += 1;
      if ('error' in record && record.fatal) break;
    }
    if (!header) {
      throw new InvalidInputError(
        'The file is empty: a CSV import starts with a header row naming its columns (email, ...)',
        'header',
      );
    }
    return rows;
  }
  for await (const { text, tooLong } of lines) if (tooLong || text.trim() !== '') rows += 1;
  return rows;
}

/** What a reader is told when the process reading the file stopped half-way. */
export const INTERRUPTED_MESSAGE =
  'The process that read this import stopped before it finished; the rows counted as processed ' +
  'are imported, the others are not. Send the file again: an import is idempotent on the email ' +
  'address, so rows already imported are not imported twice.';

function toDto(r: JobRow): ImportJobDto {
  return {
    id: r.id,
    status: r.stale ? 'interrupted' : r.status,
    format: r.format,
    dryRun: r.dry_run,
    total: r.total,
    processed: r.processed,
    created: r.created,
    updated: r.updated,
    unchanged: r.unchanged,
    subscribed: r.subscribed,
    refused: r.refused,
    refusedTruncated: r.refused_truncated,
    error: r.stale ? INTERRUPTED_MESSAGE : r.error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so a spreadsheet never runs it. */
function csvField(value: string): string {
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
