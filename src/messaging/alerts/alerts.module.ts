import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeliveryModule } from '../delivery/delivery.module';
import { Alert } from './alert.entity';
import { AlertsService } from './alerts.service';

/** Global: any feature may raise an alert. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Alert]), DeliveryModule],
  providers: [AlertsService],
  exports: [AlertsService],
})
export class AlertsModule {}
