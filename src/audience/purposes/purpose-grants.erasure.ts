import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ErasesPersonalData, PersonalDataEraser } from '../subscribers/personal-data-erasers';

/** Erasure removes a subscriber's answers to data-use purposes (their history goes with consent). */
@Injectable()
@ErasesPersonalData()
export class PurposeGrantsErasure implements PersonalDataEraser {
  async erasePersonalData(manager: EntityManager, subscriberId: string): Promise<void> {
    await manager.query(`DELETE FROM data_use_grants WHERE subscriber_id = $1`, [subscriberId]);
  }
}
