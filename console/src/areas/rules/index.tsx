import type { ConsolePage } from '../types';

/** Lifecycle rules: this area's pages (see ../types.ts). */
export const rulePages: ConsolePage[] = [];
