import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, IsNull, Repository } from 'typeorm';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
} from '../../platform/errors/domain-errors';
import { isUuid } from '../../platform/ids';
import { locales } from '../../platform/locale';
import { defaultText, localeTexts } from '../topics/topics.service';
import { CreateDataPurposeDto, UpdateDataPurposeDto } from './data-purpose.dto';
import { DataPurpose } from './data-purpose.entity';

/** One piece of subscriber data a rule or segment uses, and where the request names it. */
export interface DataUse {
  kind: 'attribute' | 'date' | 'event';
  name: string;
  /** The request field that names it (`trigger.condition.all.0.path`). */
  field: string;
}

const KIND_WORD: Record<DataUse['kind'], string> = {
  attribute: 'attribute',
  date: 'date',
  event: 'event type',
};

/** Whether a purpose covers one use: the name itself, or (attributes) a dotted parent of it. */
export function covers(
  purpose: Pick<DataPurpose, 'attributes' | 'dates' | 'eventTypes'>,
  use: DataUse,
) {
  switch (use.kind) {
    case 'attribute':
      return purpose.attributes.some((a) => use.name === a || use.name.startsWith(`${a}.`));
    case 'date':
      return purpose.dates.includes(use.name);
    case 'event':
      return purpose.eventTypes.includes(use.name);
  }
}

/**
 * Data-use purposes: CRUD, and the check that a rule or segment uses only data its declared
 * purposes cover (see docs/data-purposes.md).
 */
@Injectable()
export class DataPurposesService {
  constructor(@InjectRepository(DataPurpose) private readonly purposes: Repository<DataPurpose>) {}

  async create(dto: CreateDataPurposeDto): Promise<DataPurpose> {
    if (await this.purposes.exists({ where: { key: dto.key } })) {
      throw new ConflictError(`A purpose with key "${dto.key}" already exists`, 'key', 'duplicate');
    }
    const names = localeTexts(dto.names, 'names', 200) ?? {};
    const name = defaultText(names, 'names', dto.name?.trim());
    if (!name) {
      throw new InvalidInputError(
        `name is required (or names with a text for a configured locale: ${locales().join(', ')})`,
        'name',
      );
    }
    return this.purposes.save(
      this.purposes.create({
        key: dto.key,
        name,
        names,
        explanations: localeTexts(dto.explanations, 'explanations', 2000) ?? {},
        benefits: localeTexts(dto.benefits, 'benefits', 2000) ?? {},
        withdrawalConsequences:
          localeTexts(dto.withdrawalConsequences, 'withdrawalConsequences', 2000) ?? {},
        attributes: dto.attributes ?? [],
        dates: dto.dates ?? [],
        eventTypes: dto.eventTypes ?? [],
        legalBasis: dto.legalBasis,
        deleteOnWithdrawal: dto.deleteOnWithdrawal ?? false,
      }),
    );
  }

  list(includeArchived = false): Promise<DataPurpose[]> {
    return this.purposes.find({
      where: includeArchived ? {} : { archivedAt: IsNull() },
      order: { key: 'ASC' },
    });
  }

  async get(idOrKey: string, manager?: EntityManager): Promise<DataPurpose> {
    const repo = manager ? manager.getRepository(DataPurpose) : this.purposes;
    const found = await repo.findOne({
      where: isUuid(idOrKey) ? { id: idOrKey } : { key: idOrKey },
    });
    if (!found) throw new NotFoundError(`Purpose "${idOrKey}" not found`, 'purpose');
    return found;
  }

  /** Every change of what a purpose says raises its version: grants name the version they saw. */
  async update(idOrKey: string, dto: UpdateDataPurposeDto): Promise<DataPurpose> {
    return this.purposes.manager.transaction(async (manager) => {
      const p = await this.get(idOrKey, manager);
      if (dto.names !== undefined) p.names = localeTexts(dto.names, 'names', 200) ?? {};
      if (dto.name !== undefined || dto.names !== undefined) {
        p.name = defaultText(p.names, 'names', dto.name?.trim()) ?? p.name;
      }
      if (dto.explanations !== undefined)
        p.explanations = localeTexts(dto.explanations, 'explanations', 2000) ?? {};
      if (dto.benefits !== undefined)
        p.benefits = localeTexts(dto.benefits, 'benefits', 2000) ?? {};
      if (dto.withdrawalConsequences !== undefined)
        p.withdrawalConsequences =
          localeTexts(dto.withdrawalConsequences, 'withdrawalConsequences', 2000) ?? {};
      if (dto.attributes !== undefined) p.attributes = dto.attributes;
      if (dto.dates !== undefined) p.dates = dto.dates;
      if (dto.eventTypes !== undefined) p.eventTypes = dto.eventTypes;
      if (dto.legalBasis !== undefined) p.legalBasis = dto.legalBasis;
      if (dto.deleteOnWithdrawal !== undefined) p.deleteOnWithdrawal = dto.deleteOnWithdrawal;
      p.version += 1;
      return manager.save(p);
    });
  }

  /** Archiving keeps grants and history; rules can no longer declare it. */
  async archive(idOrKey: string): Promise<DataPurpose> {
    const p = await this.get(idOrKey);
    if (!p.archivedAt) {
      p.archivedAt = new Date();
      await this.purposes.save(p);
    }
    return p;
  }

  /**
   * The check run when a lifecycle rule or a campaign is saved. `declared` null (a rule saved
   * without `purposes`): allowed while no purpose covers any of the data it uses, i.e. until
   * the marketer has described that data; otherwise it must declare. Declared: every use must be
   * covered by one of the declared purposes (unknown or archived keys are refused). 400 naming
   * the field of the first use that is not covered.
   */
  async assertCovered(
    declared: readonly string[] | null | undefined,
    uses: readonly DataUse[],
    field = 'purposes',
  ): Promise<void> {
    if (declared === null || declared === undefined) {
      if (!uses.length) return;
      const all = await this.list();
      for (const use of uses) {
        const by = all.filter((p) => covers(p, use));
        if (by.length) {
          throw new InvalidInputError(
            `${use.field}: the ${KIND_WORD[use.kind]} "${use.name}" is covered by the purpose ` +
              `${by.map((p) => `"${p.key}"`).join(', ')}; declare it in ${field}`,
            use.field,
            'purpose_not_declared',
          );
        }
      }
      return;
    }
    const found = declared.length
      ? await this.purposes.find({ where: { key: In([...declared]), archivedAt: IsNull() } })
      : [];
    for (const [i, key] of declared.entries()) {
      if (!found.some((p) => p.key === key)) {
        throw new InvalidInputError(`${field}.${i}: no purpose "${key}"`, `${field}.${i}`);
      }
    }
    for (const use of uses) {
      if (!found.some((p) => covers(p, use))) {
        throw new InvalidInputError(
          `${use.field}: the ${KIND_WORD[use.kind]} "${use.name}" is not covered by the declared ` +
            `purposes (${declared.join(', ') || 'none'})`,
          use.field,
          'purpose_not_declared',
        );
      }
    }
  }
}
