import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AudienceModule } from './audience/audience.module';
import { MessagingModule } from './messaging/messaging.module';
import { AppConfig } from './platform/config/configuration';
import { configureLocales } from './platform/locale';
import { PlatformModule } from './platform/platform.module';
import { loadTranslations } from './platform/translations';
import { ProgrammesModule } from './programmes/programmes.module';
import { SurfacesModule } from './surfaces/surfaces.module';
import { TrustModule } from './trust/trust.module';

@Module({})
export class AppModule {
  /**
   * The whole application for a resolved configuration (see infrastructure.ts): main.ts serves
   * it over HTTP, worker.ts runs it without HTTP, tests boot it against their own database.
   * One module per context, each opening with what it owns and what it may use
   * (docs/architecture.md).
   */
  static forRoot(config: AppConfig): DynamicModule {
    // Locales are process-wide (pages, DTO validation, rendering all read them).
    configureLocales(config.locales.list);
    loadTranslations(config.locales.dir);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => config] }),
        PlatformModule,
        AudienceModule,
        MessagingModule,
        ProgrammesModule,
        TrustModule,
        SurfacesModule.forRoot({ http: config.app.role === 'api' }),
      ],
    };
  }
}
