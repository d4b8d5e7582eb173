import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Public } from '../http/auth.decorators';
import { QueuesReport, QueueSelfCheck } from '../queue/queue-self-check.service';
import { RedisHealthIndicator } from './redis.health';

type Components = Record<string, Record<string, unknown> & { status: string }>;

/**
 * Terminus' result plus the queues' part, which is informational: `degraded` is not one of
 * terminus' states and never turns the answer into a 503 by itself.
 */
export interface HealthReport {
  status: HealthCheckResult['status'];
  info: Components & { queues: QueuesReport };
  error: Components;
  details: Components & { queues: QueuesReport };
}

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly queueCheck: QueueSelfCheck,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  @ApiOperation({
    summary:
      'Liveness and readiness: PostgreSQL and Redis answer (503 otherwise). `info.queues` is ' +
      '`degraded` (still 200) from a Redis data loss until the work it held is rebuilt from ' +
      'PostgreSQL and picked up again; then `up`, with `lastLoss` naming what was rebuilt.',
  })
  async check(): Promise<HealthReport> {
    // Throws 503 (ServiceUnavailableException) when PostgreSQL or Redis does not answer.
    const result = await this.health.check([
      () => this.db.pingCheck('database', { timeout: 3000 }),
      () => this.redis.isHealthy('redis'),
    ]);
    const queues = await this.queueCheck.report();
    return {
      status: result.status,
      info: { ...(result.info as Components), queues },
      error: (result.error ?? {}) as Components,
      details: { ...(result.details as Components), queues },
    };
  }
}
