import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TidingsConfigService } from '../config/configuration';
import { baseDataSourceOptions } from './typeorm-options';

/** TypeORM on PostgreSQL. Migrations run before Nest starts (see infrastructure.ts). */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: TidingsConfigService) => {
        const db = config.get('database', { infer: true });
        if (!db.url) {
          throw new Error('database.url is not resolved; start through main.ts or worker.ts');
        }
        return { ...baseDataSourceOptions(db.url, db.poolSize), autoLoadEntities: true };
      },
    }),
  ],
})
export class DatabaseModule {}
