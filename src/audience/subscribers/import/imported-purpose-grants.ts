import { Injectable, OnModuleInit, Type } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type { EntityManager } from 'typeorm';
import { decoratedProviders } from '../../../platform/extension-points';
import type { Locale } from '../../../platform/locale';

/** One imported row's grants: the subscriber (locked, written in this batch) and the keys. */
export interface ImportedGrant {
  subscriberId: string;
  /** The row's language (or the subscriber's): the wording is recorded in it. */
  locale: Locale;
  purposes: string[];
}

/**
 * The module that keeps data-use purposes: it says which keys an import may grant, and records
 * the grants inside the batch's transaction.
 */
export interface PurposeGranter {
  /** For each key that cannot be granted, why (unknown, archived, not consent-based). */
  refusals(manager: EntityManager, keys: string[]): Promise<Map<string, string>>;
  grant(
    manager: EntityManager,
    grants: ImportedGrant[],
    details: Record<string, unknown>,
  ): Promise<void>;
}

const GRANTS_IMPORTED_PURPOSES = Reflector.createDecorator<Record<string, never>>();

/** Marks the provider that records the grants of an import's `purposes` column. */
export function GrantsImportedPurposes() {
  return (target: Type<PurposeGranter>): void => {
    GRANTS_IMPORTED_PURPOSES({})(target);
  };
}

/** The `@GrantsImportedPurposes()` provider, found at start (none when purposes are not loaded). */
@Injectable()
export class ImportedPurposeGrants implements OnModuleInit {
  private granter: PurposeGranter | undefined;

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    this.granter = decoratedProviders<PurposeGranter, Record<string, never>>(
      this.discovery,
      GRANTS_IMPORTED_PURPOSES,
    )[0]?.target;
  }

  async refusals(manager: EntityManager, keys: string[]): Promise<Map<string, string>> {
    if (!keys.length) return new Map();
    if (!this.granter) {
      return new Map(keys.map((k) => [k, 'data-use purposes cannot be granted here']));
    }
    return this.granter.refusals(manager, keys);
  }

  async grant(
    manager: EntityManager,
    grants: ImportedGrant[],
    details: Record<string, unknown>,
  ): Promise<void> {
    if (grants.length) await this.granter!.grant(manager, grants, details);
  }
}
