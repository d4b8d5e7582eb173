import type { ConsolePage } from '../types';

/** Templates: this area's pages (see ../types.ts). */
export const templatePages: ConsolePage[] = [];
