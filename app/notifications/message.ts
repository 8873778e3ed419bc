/**
 * The queue message the activities service sends when an activity is created or replied to, and who it notifies.
 * The body is JSON; correlation and vendor trace headers travel as message attributes, not in the body.
 */
import { z } from 'zod';
import { HANDLE, UUID } from '../http/validation';
import type { Notification } from '../store/types';

/** `@handle` in a message: the same characters a handle may hold, not preceded by a word character (e-mail). */
const MENTION = /(?<![A-Za-z0-9_])@([a-z0-9_]{1,32})(?![a-z0-9_])/g;
/** At most this many mentions notify: one activity can't fan out to thousands of rows. */
export const MAX_MENTIONS = 20;

export const notificationMessage = z
  .object({
    activityId: UUID,
    kind: z.enum(['created', 'replied']),
    /** The author. */
    handle: HANDLE,
    mentions: z.array(HANDLE).max(MAX_MENTIONS),
    /** The activity replied to and its author, for `replied`. */
    replyTo: z.object({ activityId: UUID, handle: HANDLE }).strict().nullable(),
  })
  .strict();

export type NotificationMessage = z.infer<typeof notificationMessage>;

/** Distinct handles mentioned in `text`, in order of first mention. */
export function mentionsIn(text: string): string[] {
  const handles = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    handles.add(match[1]);
    if (handles.size === MAX_MENTIONS) break;
  }
  return [...handles];
}

/** Who this message notifies: the author replied to, then everyone mentioned; never the author themself. */
export function notificationsOf(message: NotificationMessage): Omit<Notification, 'createdAt'>[] {
  const out = new Map<string, Omit<Notification, 'createdAt'>>();
  const notify = (handle: string, kind: Notification['kind']) => {
    if (handle !== message.handle && !out.has(handle))
      out.set(handle, { handle, activityUuid: message.activityId, kind, actor: message.handle });
  };
  if (message.replyTo) notify(message.replyTo.handle, 'reply');
  for (const handle of message.mentions) notify(handle, 'mention');
  return [...out.values()];
}
