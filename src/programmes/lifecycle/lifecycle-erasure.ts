import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryRows } from '../../platform/database/sql';
import {
  ErasesPersonalData,
  PersonalDataEraser,
} from '../../audience/subscribers/personal-data-erasers';
import {
  CoveredData,
  DeletesPurposeData,
  PurposeDataDeleter,
} from '../../audience/purposes/purpose-data-deleters';

/**
 * Erasure removes what the lifecycle engine keeps about a person: their events (free-form data),
 * cooldowns and attribute states. Missed promises stay for the reports, without the anchor (a
 * date of theirs).
 */
@Injectable()
@ErasesPersonalData()
@DeletesPurposeData()
export class LifecycleErasure implements PersonalDataEraser, PurposeDataDeleter {
  /** A withdrawn purpose with `deleteOnWithdrawal` takes the events of the types it covered. */
  async deletePurposeData(
    manager: EntityManager,
    subscriberId: string,
    covered: CoveredData,
  ): Promise<string[]> {
    const rows = await queryRows<{ type: string }>(
      manager,
      `DELETE FROM events WHERE subscriber_id = $1 AND type = ANY($2) RETURNING type`,
      [subscriberId, covered.eventTypes],
    );
    return rows.map((r) => `event:${r.type}`);
  }

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
