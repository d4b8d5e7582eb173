import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * Keeps lifecycle_time_zones (what `lifecycle_zone()` accepts) in step with the time zone
 * database of the PostgreSQL server, which can gain names when it is upgraded.
 */
@Injectable()
export class TimeZones implements OnModuleInit {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO lifecycle_time_zones (name) SELECT DISTINCT name FROM pg_timezone_names
       ON CONFLICT (name) DO NOTHING`,
    );
  }
}
