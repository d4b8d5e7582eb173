import { Injectable, OnModuleInit, Type } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type { EntityManager } from 'typeorm';
import { decoratedProviders } from '../../platform/extension-points';

/** What a withdrawn purpose covered: the data to delete. */
export interface CoveredData {
  attributes: readonly string[];
  dates: readonly string[];
  eventTypes: readonly string[];
}

/**
 * A module that keeps subscriber data a purpose can cover (events, kept by the lifecycle engine),
 * and deletes it when a purpose with `deleteOnWithdrawal` is withdrawn.
 */
export interface PurposeDataDeleter {
  /** Inside the withdrawal's transaction, the subscriber locked; returns what it deleted (names). */
  deletePurposeData(
    manager: EntityManager,
    subscriberId: string,
    covered: CoveredData,
  ): Promise<string[]>;
}

const DELETES_PURPOSE_DATA = Reflector.createDecorator<Record<string, never>>();

/** Marks a provider whose `deletePurposeData` runs in every withdrawal that deletes data. */
export function DeletesPurposeData() {
  return (target: Type<PurposeDataDeleter>): void => {
    DELETES_PURPOSE_DATA({})(target);
  };
}

/** The `@DeletesPurposeData()` providers, found at start. */
@Injectable()
export class PurposeDataDeleters implements OnModuleInit {
  private deleters: readonly PurposeDataDeleter[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    this.deleters = decoratedProviders<PurposeDataDeleter, Record<string, never>>(
      this.discovery,
      DELETES_PURPOSE_DATA,
    ).map((e) => e.target);
  }

  async delete(
    manager: EntityManager,
    subscriberId: string,
    covered: CoveredData,
  ): Promise<string[]> {
    const deleted: string[] = [];
    for (const d of this.deleters) {
      deleted.push(...(await d.deletePurposeData(manager, subscriberId, covered)));
    }
    return deleted;
  }
}
