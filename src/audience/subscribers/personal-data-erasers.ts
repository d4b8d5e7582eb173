import { Injectable, OnModuleInit, Type } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type { EntityManager } from 'typeorm';
import { decoratedProviders } from '../../platform/extension-points';

/** A module that keeps personal data of its own, and removes it when a subscriber is erased. */
export interface PersonalDataEraser {
  /** Runs inside the erasure transaction (`manager`), with the subscriber's row locked. */
  erasePersonalData(manager: EntityManager, subscriberId: string): Promise<void>;
}

const ERASES_PERSONAL_DATA = Reflector.createDecorator<Record<string, never>>();

/**
 * Marks a provider whose `erasePersonalData` runs inside every erasure's transaction, after the
 * suppression and consent history and before the subscriber's own rows are cleared. Erasers touch
 * only their own module's tables, so they do not depend on each other's order.
 */
export function ErasesPersonalData() {
  return (target: Type<PersonalDataEraser>): void => {
    ERASES_PERSONAL_DATA({})(target);
  };
}

/** The `@ErasesPersonalData()` providers, found at start. */
@Injectable()
export class PersonalDataErasers implements OnModuleInit {
  private erasers: readonly PersonalDataEraser[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    this.erasers = decoratedProviders<PersonalDataEraser, Record<string, never>>(
      this.discovery,
      ERASES_PERSONAL_DATA,
    ).map((e) => e.target);
  }

  /** Every module's part of an erasure, in the caller's transaction. */
  async erase(manager: EntityManager, subscriberId: string): Promise<void> {
    for (const eraser of this.erasers) await eraser.erasePersonalData(manager, subscriberId);
  }
}
