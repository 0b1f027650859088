/**
 * A bounded first-in-first-out queue that, when full, drops its oldest item to make room and counts
 * what it dropped. The live view keeps one per client: a slow reader loses old messages (and is
 * told how many), ingest never waits for it and the collector's memory stays bounded.
 */
export interface DropOldestQueue<T> {
  push(item: T): void;
  /** The oldest item, removed; undefined when empty. */
  shift(): T | undefined;
  readonly size: number;
  /** Items dropped since the last `takeDropped()`, which resets the count. */
  takeDropped(): number;
}

export function createDropOldestQueue<T>(capacity: number): DropOldestQueue<T> {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
  // A ring buffer: push and shift are O(1) whatever the fill, unlike Array#shift.
  const ring: (T | undefined)[] = new Array(capacity);
  let head = 0;
  let size = 0;
  let dropped = 0;
  return {
    push(item) {
      if (size === capacity) {
        ring[head] = undefined;
        head = (head + 1) % capacity;
        size--;
        dropped++;
      }
      ring[(head + size) % capacity] = item;
      size++;
    },
    shift() {
      if (size === 0) return undefined;
      const item = ring[head];
      ring[head] = undefined;
      head = (head + 1) % capacity;
      size--;
      return item;
    },
    get size() {
      return size;
    },
    takeDropped() {
      const n = dropped;
      dropped = 0;
      return n;
    },
  };
}
