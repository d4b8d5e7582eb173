import { Injectable, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { EntityManager } from 'typeorm';
import {
  ErasesPersonalData,
  PersonalDataEraser,
  PersonalDataErasers,
} from './personal-data-erasers';

const erased: Array<[string, EntityManager, string]> = [];

@Injectable()
@ErasesPersonalData()
class SignupRequests implements PersonalDataEraser {
  async erasePersonalData(manager: EntityManager, subscriberId: string): Promise<void> {
    erased.push(['signup', manager, subscriberId]);
  }
}

@Injectable()
@ErasesPersonalData()
class LifecycleEvents implements PersonalDataEraser {
  async erasePersonalData(manager: EntityManager, subscriberId: string): Promise<void> {
    erased.push(['lifecycle', manager, subscriberId]);
  }
}

@Module({ providers: [LifecycleEvents] })
class LifecycleModule {}

describe(PersonalDataErasers.name, () => {
  it("runs every @ErasesPersonalData provider, in any module, in the caller's transaction", async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule, LifecycleModule],
      providers: [PersonalDataErasers, SignupRequests],
    }).compile();
    await moduleRef.init();
    const manager = {} as EntityManager;
    await moduleRef.get(PersonalDataErasers).erase(manager, 'sub-1');
    expect(erased.map(([what]) => what).sort()).toEqual(['lifecycle', 'signup']);
    expect(erased.every(([, m, id]) => m === manager && id === 'sub-1')).toBe(true);
  });
});
