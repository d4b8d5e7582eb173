import { Injectable, OnModuleInit } from '@nestjs/common';
import { SubscribersService } from '../../audience/subscribers/subscribers.service';

/**
 * Erasure removes what the lifecycle engine keeps about a person: their events (free-form data),
 * cooldowns and attribute states. Missed promises stay for the reports, without the anchor (a
 * date of theirs).
 */
@Injectable()
export class LifecycleErasure implements OnModuleInit {
  constructor(private readonly subscribers: SubscribersService) {}

  onModuleInit(): void {
    this.subscribers.onErase(async (manager, subscriberId) => {
      await manager.query(`DELETE FROM events WHERE subscriber_id = $1`, [subscriberId]);
      await manager.query(`DELETE FROM lifecycle_cooldowns WHERE subscriber_id = $1`, [
        subscriberId,
      ]);
      await manager.query(`DELETE FROM lifecycle_attribute_states WHERE subscriber_id = $1`, [
        subscriberId,
      ]);
      await manager.query(
        `UPDATE lifecycle_missed_promises SET anchor = NULL WHERE subscriber_id = $1`,
        [subscriberId],
      );
    });
  }
}
