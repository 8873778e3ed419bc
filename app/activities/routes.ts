/**
 * The activities API, as the bootcamp apps shape it: home feed, user feed, create, reply, search. Every feed
 * fetches its authors' profiles from the users service, so every trace crosses a process boundary.
 */
import { type IRouter, Router } from 'express';
import { HttpError } from '../http/errors';
import { type RouteDeps, route } from '../http/route';
import {
  createActivityBody,
  HANDLE,
  replyBody,
  searchTerm,
  ttlSeconds,
  UUID,
  validate,
} from '../http/validation';
import { mentionsIn } from '../notifications/message';
import type { Notifications } from '../notifications-on-demand';
import type { Activity, Store, UserProfile } from '../store/types';
import type { UsersClient } from './users-client';
import { sendJson } from '../http/send-json';

const FEED_LIMIT = 20;

export interface ActivitiesDeps extends RouteDeps {
  store: Store;
  users: UsersClient;
  /** Sends the notifications message after a create or reply commits; unset (`NOTIFICATIONS=off`) → none. */
  notifications?: Notifications;
}

/** An activity as the API returns it: with its author's profile, snake_case like the bootcamp frontend. */
function present(activity: Activity, profiles: Map<string, UserProfile>) {
  const author = profiles.get(activity.handle);
  return {
    uuid: activity.uuid,
    handle: activity.handle,
    display_name: author?.displayName ?? null,
    message: activity.message,
    created_at: activity.createdAt,
    expires_at: activity.expiresAt,
    reply_to_activity_uuid: activity.replyToUuid,
    replies_count: activity.repliesCount,
  };
}

/**
 * Registers the API on `router` (default: a new Router) and returns it. The app passes itself: a nested router
 * costs every request more to enter than the route itself costs to match.
 */
export function activitiesRouter(deps: ActivitiesDeps, router: IRouter = Router()): IRouter {
  const { store, users, telemetry, chaos, notifications } = deps;

  /** Profiles for these activities' authors; the chaos engine may forge the service token for this call. */
  const authorsOf = (
    activities: Activity[],
    correlation: Parameters<UsersClient['lookup']>[1],
    seq: number,
  ) =>
    users.lookup(
      activities.map((a) => a.handle),
      correlation,
      chaos.usersAuthFails(seq),
    );

  const requireUser = async (
    handle: string,
    ctx: { correlation: Parameters<UsersClient['lookup']>[1]; seq: number },
  ) => {
    const profiles = await users.lookup([handle], ctx.correlation, chaos.usersAuthFails(ctx.seq));
    const profile = profiles.get(handle);
    if (!profile) throw new HttpError(400, `Unknown handle "${handle}"`);
    return profile;
  };

  router.get(
    '/api/activities/home',
    route(deps, 'GET /api/activities/home', 'activities.home', async ({ res, correlation, seq }) => {
      telemetry.annotate('app.now', new Date().toISOString());
      const activities = await store.homeFeed(FEED_LIMIT);
      const profiles = await authorsOf(activities, correlation, seq);
      telemetry.annotate('app.result_length', activities.length);
      sendJson(res, 200, { activities: activities.map((a) => present(a, profiles)) });
    }),
  );

  router.get(
    '/api/activities/search',
    route(deps, 'GET /api/activities/search', 'activities.search', async ({ req, res, correlation, seq }) => {
      const term = searchTerm(req.query);
      telemetry.metadata('app.search_term', term);
      const activities = await store.search(term, FEED_LIMIT);
      const profiles = await authorsOf(activities, correlation, seq);
      telemetry.annotate('app.result_length', activities.length);
      sendJson(res, 200, { term, activities: activities.map((a) => present(a, profiles)) });
    }),
  );

  router.get(
    '/api/activities/@:handle',
    route(
      deps,
      'GET /api/activities/@:handle',
      'activities.user_feed',
      async ({ req, res, correlation, seq }) => {
        const handle = validate(HANDLE, req.params.handle, 'handle');
        telemetry.annotate('app.user_handle', handle);
        const profiles = await users.lookup([handle], correlation, chaos.usersAuthFails(seq));
        if (!profiles.has(handle)) throw new HttpError(404, `No user with handle "${handle}"`);
        const activities = await store.activitiesByHandle(handle, FEED_LIMIT);
        telemetry.annotate('app.result_length', activities.length);
        sendJson(res, 200, {
          user: profiles.get(handle),
          activities: activities.map((a) => present(a, profiles)),
        });
      },
    ),
  );

  router.post(
    '/api/activities',
    route(deps, 'POST /api/activities', 'activities.create', async ({ req, res, correlation, seq }) => {
      const body = validate(createActivityBody, req.body, 'activity');
      telemetry.annotate('app.user_handle', body.handle);
      const profile = await requireUser(body.handle, { correlation, seq });
      const activity = await store.createActivity({
        handle: body.handle,
        message: body.message,
        ttlSeconds: ttlSeconds(body.ttl),
      });
      telemetry.annotate('app.activity_uuid', activity.uuid);
      telemetry.metadata('app.message_length', activity.message.length);
      // After the write committed; never fails the request (NotificationSender.send resolves false instead).
      await notifications?.send(
        {
          activityId: activity.uuid,
          kind: 'created',
          handle: activity.handle,
          mentions: mentionsIn(activity.message),
          replyTo: null,
        },
        correlation,
        seq,
      );
      sendJson(res, 201, present(activity, new Map([[profile.handle, profile]])));
    }),
  );

  router.post(
    '/api/activities/:uuid/reply',
    route(
      deps,
      'POST /api/activities/:uuid/reply',
      'activities.reply',
      async ({ req, res, correlation, seq }) => {
        const parentUuid = validate(UUID, req.params.uuid, 'activity uuid');
        const body = validate(replyBody, req.body, 'reply');
        telemetry.annotate('app.user_handle', body.handle);
        telemetry.annotate('app.reply_to', parentUuid);
        const profile = await requireUser(body.handle, { correlation, seq });
        const reply = await store.reply(parentUuid, {
          handle: body.handle,
          message: body.message,
          ttlSeconds: null,
        });
        if (!reply) throw new HttpError(404, `No activity with uuid ${parentUuid}`);
        if (notifications) {
          // The parent's author is notified; the reply committed, so the parent existed a moment ago.
          const parent = await store.getActivity(parentUuid);
          await notifications.send(
            {
              activityId: reply.uuid,
              kind: 'replied',
              handle: reply.handle,
              mentions: mentionsIn(reply.message),
              replyTo: parent && { activityId: parent.uuid, handle: parent.handle },
            },
            correlation,
            seq,
          );
        }
        sendJson(res, 201, present(reply, new Map([[profile.handle, profile]])));
      },
    ),
  );

  return router;
}
