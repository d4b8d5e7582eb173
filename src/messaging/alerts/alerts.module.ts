import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeliveryModule } from '../delivery/delivery.module';
import { Alert } from './alert.entity';
import { AlertsService } from './alerts.service';

/** Alerts to the marketer; a module that raises them imports this. */
@Module({
  imports: [TypeOrmModule.forFeature([Alert]), DeliveryModule],
  providers: [AlertsService],
  exports: [AlertsService],
})
export class AlertsModule {}
