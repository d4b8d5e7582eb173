/**
 * The subscriber id of template test sends: their links carry real signed tokens for this id, so
 * they work on PUBLIC_URL as a subscriber's would, and the pages answer them without reading or
 * changing any real row. No subscriber has this id: ids are random version-4 UUIDs, and this one
 * is the all-zero one with the version and variant bits set.
 */
export const TEST_RECIPIENT_ID = '00000000-0000-4000-8000-000000000000';

export function isTestRecipient(subscriberId: string): boolean {
  return subscriberId === TEST_RECIPIENT_ID;
}
