import { Module, OnModuleInit } from '@nestjs/common';
import { DeliveryModule } from '../../messaging/delivery/delivery.module';
import { RenderingModule } from '../../messaging/rendering/rendering.module';
import { TickRegistry } from '../scheduler/tick-registry';
import { SilenceController } from './silence.controller';
import { SilenceService } from './silence.service';

/** "No opt-in goes silent": the silence watchdog and its report. */
@Module({
  imports: [DeliveryModule, RenderingModule],
  providers: [SilenceService],
  controllers: [SilenceController],
})
export class WatchdogModule implements OnModuleInit {
  constructor(
    private readonly ticks: TickRegistry,
    private readonly silence: SilenceService,
  ) {}

  onModuleInit(): void {
    this.ticks.register({ name: 'silence-watchdog', run: (now) => this.silence.tick(now) });
  }
}
