import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * The IANA zone names PostgreSQL knows. Subscribers' zones are validated by Node's Intl, whose
 * list can differ slightly; a zone PostgreSQL does not know would make a whole scan statement
 * fail, so the scans treat such a zone as UTC instead.
 */
@Injectable()
export class TimeZones implements OnModuleInit {
  private names: string[] = ['UTC'];

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const rows = await this.dataSource.query<{ name: string }[]>(
      `SELECT name FROM pg_timezone_names`,
    );
    this.names = [...new Set(['UTC', ...rows.map((r) => r.name)])];
  }

  known(): string[] {
    return this.names;
  }
}
