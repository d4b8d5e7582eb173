import type { ConsolePage } from '../types';

/** Topics: this area's pages (see ../types.ts). */
export const topicsPages: ConsolePage[] = [];
