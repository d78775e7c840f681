/** Remembers the most recent webhook delivery ids, so a delivery GitHub sends again is processed once. */
export interface DeliveryLog {
  /** True the first time an id is seen; false for a redelivery still remembered. */
  firstTime(id: string): boolean;
}

/** A bounded memory of delivery ids: the oldest are forgotten past `capacity`. */
export function createDeliveryLog(capacity = 10_000): DeliveryLog {
  const seen = new Set<string>();
  return {
    firstTime(id) {
      if (seen.has(id)) return false;
      seen.add(id);
      if (seen.size > capacity) {
        const oldest = seen.values().next().value;
        if (oldest !== undefined) seen.delete(oldest);
      }
      return true;
    },
  };
}
