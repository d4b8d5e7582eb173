import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import { AlertsModule } from '../../messaging/alerts/alerts.module';
import { QueueName } from '../../platform/queue/queues';
import { ReportsModule } from '../../trust/reports/reports.module';
import { AdminAuthModule } from './admin-auth.module';
import { AdminDashboardService } from './admin-dashboard.service';
import { BullBoardAdapter } from './bull-board-adapter';
import { AdminController } from './admin.controller';
import { AdminSessionService } from './admin-session.service';

/**
 * The dashboard at /admin and Bull Board at /admin/queues behind the same session. HTTP only:
 * AppModule leaves it out of worker processes.
 */
@Module({
  imports: [
    AdminAuthModule,
    AlertsModule,
    ReportsModule,
    BullBoardModule.forRootAsync({
      imports: [AdminAuthModule],
      inject: [AdminSessionService],
      useFactory: (sessions: AdminSessionService) => ({
        route: '/admin/queues',
        adapter: BullBoardAdapter,
        middleware: sessions.middleware(),
        boardOptions: { uiConfig: { boardTitle: 'Tidings queues' } },
      }),
    }),
    // Every queue, so a stuck or failed job is visible wherever it is.
    BullBoardModule.forFeature(
      ...Object.values(QueueName).map((name) => ({ name, adapter: BullMQAdapter })),
    ),
  ],
  providers: [AdminDashboardService],
  controllers: [AdminController],
})
export class AdminModule {}
