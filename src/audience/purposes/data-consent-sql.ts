/**
 * SQL, true when a subscriber has not granted every consent-based purpose among `keys` (purposes
 * on another legal basis need no grant). For set-based statements of other modules (the notice
 * writer, the send-time check); reads this module's read models only.
 */
export function lacksDataConsentSql(subscriberId: string, keys: string): string {
  return `EXISTS (SELECT 1 FROM audience_data_purposes dp
                   WHERE dp.key = ANY(${keys}) AND dp.legal_basis = 'consent'
                     AND NOT EXISTS (SELECT 1 FROM audience_data_use_grants g
                                      WHERE g.purpose_id = dp.id AND g.subscriber_id = ${subscriberId}
                                        AND g.granted))`;
}
