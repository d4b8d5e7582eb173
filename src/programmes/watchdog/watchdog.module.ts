import { Module } from '@nestjs/common';
import { AlertsModule } from '../../messaging/alerts/alerts.module';
import { DeliveryModule } from '../../messaging/delivery/delivery.module';
import { RenderingModule } from '../../messaging/rendering/rendering.module';
import { DigestsModule } from '../cadence/digests.module';
import { SilenceController } from './silence.controller';
import { SilenceService } from './silence.service';

/** "No opt-in goes silent": the silence watchdog and its report. */
@Module({
  imports: [AlertsModule, DeliveryModule, DigestsModule, RenderingModule],
  providers: [SilenceService],
  controllers: [SilenceController],
})
export class WatchdogModule {}
