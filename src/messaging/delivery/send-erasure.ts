import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  ErasesPersonalData,
  PersonalDataEraser,
} from '../../audience/subscribers/personal-data-erasers';

/**
 * Erasure removes the free-form data integrations gave with `POST /v1/sends` (an order, a
 * product, a name) from that subscriber's messages: only the notice's send window stays. The rows
 * themselves stay for the reports, like every ledger row.
 */
@Injectable()
@ErasesPersonalData()
export class SendDataErasure implements PersonalDataEraser {
  async erasePersonalData(manager: EntityManager, subscriberId: string): Promise<void> {
    await manager.query(
      `UPDATE outbound_messages
          SET data = jsonb_strip_nulls(jsonb_build_object('sendWindow', data->'sendWindow')),
              updated_at = now()
        WHERE subscriber_id = $1 AND dedupe_key LIKE 'send:%'`,
      [subscriberId],
    );
  }
}
