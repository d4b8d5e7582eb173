import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  ErasesPersonalData,
  PersonalDataEraser,
} from '../../audience/subscribers/personal-data-erasers';

/**
 * Erasure removes what the lifecycle engine keeps about a person: their events (free-form data),
 * cooldowns and attribute states. Missed promises stay for the reports, without the anchor (a
 * date of theirs).
 */
@Injectable()
@ErasesPersonalData()
export class LifecycleErasure implements PersonalDataEraser {
  async erasePersonalData(manager: EntityManager, subscriberId: string): Promise<void> {
    await manager.query(`DELETE FROM events WHERE subscriber_id = $1`, [subscriberId]);
    await manager.query(`DELETE FROM lifecycle_cooldowns WHERE subscriber_id = $1`, [subscriberId]);
    await manager.query(`DELETE FROM lifecycle_attribute_states WHERE subscriber_id = $1`, [
      subscriberId,
    ]);
    await manager.query(
      `UPDATE lifecycle_missed_promises SET anchor = NULL WHERE subscriber_id = $1`,
      [subscriberId],
    );
  }
}
