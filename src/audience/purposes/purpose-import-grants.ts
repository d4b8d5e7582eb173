import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { SubscribersService } from '../subscribers/subscribers.service';
import {
  GrantsImportedPurposes,
  ImportedGrant,
  PurposeGranter,
} from '../subscribers/import/imported-purpose-grants';
import { DataPurpose } from './data-purpose.entity';
import { PurposeGrantsService } from './purpose-grants.service';

/**
 * An import's `purposes` column: each listed consent-based purpose becomes a grant (source
 * `import`) with the purpose's wording in the row's language and its version, in the batch's
 * transaction.
 */
@Injectable()
@GrantsImportedPurposes()
export class PurposeImportGrants implements PurposeGranter {
  constructor(
    private readonly grants: PurposeGrantsService,
    private readonly subscribers: SubscribersService,
  ) {}

  async refusals(manager: EntityManager, keys: string[]): Promise<Map<string, string>> {
    const found = await manager.find(DataPurpose, { where: { key: In(keys) } });
    const byKey = new Map(found.map((p) => [p.key, p]));
    const out = new Map<string, string>();
    for (const key of keys) {
      const p = byKey.get(key);
      if (!p) out.set(key, 'no such data-use purpose');
      else if (p.archivedAt) out.set(key, 'this purpose is archived and can no longer be granted');
      else if (p.legalBasis !== 'consent')
        out.set(key, `this purpose rests on ${p.legalBasis}, not on consent: nothing to grant`);
    }
    return out;
  }

  async grant(
    manager: EntityManager,
    grants: ImportedGrant[],
    details: Record<string, unknown>,
  ): Promise<void> {
    for (const g of grants) {
      // Already locked by the batch; this reads the row the batch just wrote.
      const subscriber = (await this.subscribers.lock(manager, { id: g.subscriberId }))!;
      for (const key of g.purposes) {
        await this.grants.decideLocked(manager, subscriber, key, true, {
          source: 'import',
          locale: g.locale,
          details,
        });
      }
    }
  }
}
