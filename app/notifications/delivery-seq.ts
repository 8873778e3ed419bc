/** The chaos route key for the worker's handling of one message. */
export const WORKER_ROUTE = 'worker:notify';

/**
 * The chaos sequence for one delivery of a message: the originating request's seq and the attempt together, so
 * a redelivery draws again (a `rate: 0.3` fault mostly passes on retry). No seq → undefined, and the worker
 * uses its own counter. Its own module so compare can work out, from the seed alone, which deliveries fail.
 */
export function chaosSeq(seq: string | number | undefined, receiveCount: number): number | undefined {
  if (typeof seq !== 'number') return undefined;
  return seq * 1000 + Math.min(receiveCount, 999);
}
