// The operator inbox's state: every conversation the user may see (queued on their lines,
// assigned, closed) as rows from GET /api/v1/conversations, kept current by websocket frames.
// The server announces a new queued conversation to its line's operators and assignments
// (`room.created`, `member.joined`) and state changes (`conversation.updated`) to the people
// in the conversation. Admins and supervisors who serve no line get no queue announcements,
// so the queue is also fetched again now and then.

import { store } from './store.js';
import { t } from './i18n.js';
import { navigate } from './router.js';
import { chime, desktopNotify } from './notify.js';

// `snoozed` lists the assigned conversations that `assigned` leaves out until they are due.
const STATUSES = ['queued', 'assigned', 'snoozed', 'closed'];
const QUEUE_REFRESH_MS = 30_000;

/** The lists of the inbox, by tab. `all` is offered to admins and supervisors. */
export const TABS = ['mine', 'queued', 'snoozed', 'all', 'closed'];

/** Put aside by its operator until a later time (the client writing brings it back). */
export function isSnoozed(row) {
  return Boolean(row.snoozed_until) && new Date(row.snoozed_until).getTime() > Date.now();
}

export function seesAll(user) {
  return user.role === 'admin' || user.role === 'supervisor';
}

/** The rows of one tab, filtered by line and channel, newest activity first. */
export function rowsOf(state, tab) {
  const me = state.session.user.id;
  const { line, channel } = state.inbox.filter;
  return [...state.inbox.rows.values()]
    .filter((row) => {
      if (line && row.line_id !== line) return false;
      if (channel && row.channel_id !== channel) return false;
      switch (tab) {
        case 'mine':
          return row.status === 'assigned' && row.assignee_id === me && !isSnoozed(row);
        case 'snoozed':
          return row.status === 'assigned' && row.assignee_id === me && isSnoozed(row);
        case 'queued':
          return row.status === 'queued';
        case 'all':
          return row.status === 'assigned';
        default:
          return row.status === 'closed';
      }
    })
    .sort((a, b) => activityOf(b).localeCompare(activityOf(a)));
}

export function activityOf(row) {
  return String(row.last_message?.created_at || row.closed_at || row.assigned_at || row.queued_at);
}

/** A row waits for an answer: queued, or the client wrote last in one of mine. */
export function isWaiting(row, me) {
  if (row.status === 'queued') return true;
  return row.status === 'assigned' && row.assignee_id === me && Boolean(row.last_message) && !row.last_message.author_id;
}

export function waitingCount(state) {
  const me = state.session?.user.id;
  return [...state.inbox.rows.values()].filter((row) => isWaiting(row, me)).length;
}

export function createInbox(ctx) {
  let timer = null;
  let loadedOnce = false;
  let reloading = null;
  let reloadAgain = false;
  const quiet = new Set(); // rows the user took themself: no chime for those
  const me = () => store.state.session?.user.id;

  /** Chime and tell the user about rows that became theirs or joined the queue. */
  function announce(before) {
    for (const row of store.state.inbox.rows.values()) {
      const was = before.get(row.room_id);
      const mineNow = row.status === 'assigned' && row.assignee_id === me();
      const mineBefore = was?.status === 'assigned' && was.assignee_id === me();
      const newlyQueued = row.status === 'queued' && !was;
      if (!(mineNow && !mineBefore) && !newlyQueued) continue;
      if (quiet.delete(row.room_id)) continue;
      chime();
      const title = mineNow ? t('inbox.notify_assigned') : t('inbox.notify_queued');
      const body = `${row.client_name || t('inbox.client')}: ${row.last_message?.body || ''}`.trim();
      desktopNotify(title, body, () => navigate('inbox', { roomId: row.room_id }));
      ctx.toast(`${title} — ${row.client_name || t('inbox.client')}`);
    }
  }

  async function fetchStatuses(statuses) {
    const lists = await Promise.all(statuses.map((status) => ctx.api.conversations(status)));
    const before = new Map(store.state.inbox.rows);
    store.update((s) => {
      const fetched = new Set(statuses);
      for (const [id, row] of s.inbox.rows) if (fetched.has(row.status)) s.inbox.rows.delete(id);
      for (const row of lists.flat()) s.inbox.rows.set(row.room_id, row);
      s.inbox.loaded = true;
      s.inbox.error = null;
    }, 'inbox');
    if (loadedOnce) announce(before);
    loadedOnce = true;
  }

  /** Takes a conversation the server answered with into its row. */
  function keep(conversation) {
    store.update((s) => {
      const known = s.inbox.rows.get(conversation.room_id);
      if (known) s.inbox.rows.set(conversation.room_id, { ...known, ...conversation, contact_id: known.contact_id });
    }, 'inbox');
  }

  const inbox = {
    /** Every list again (first load, a reconnect, an assignment). A call while a reload is
     * under way runs one more after it: the running one may have read before the change. */
    reload() {
      if (reloading) {
        reloadAgain = true;
        return reloading;
      }
      reloading = fetchStatuses(STATUSES)
        .catch((error) => {
          store.update((s) => {
            s.inbox.error = error;
          }, 'inbox');
        })
        .finally(() => {
          reloading = null;
          if (reloadAgain) {
            reloadAgain = false;
            inbox.reload();
          }
        });
      return reloading;
    },

    start() {
      clearInterval(timer);
      timer = setInterval(() => {
        if (store.state.connection === 'online') fetchStatuses(['queued']).catch(() => {});
      }, QUEUE_REFRESH_MS);
      return inbox.reload();
    },

    stop() {
      clearInterval(timer);
      loadedOnce = false;
    },

    /** Applies a websocket frame after the chat state has taken it. */
    handleFrame(frame) {
      switch (frame.type) {
        case 'room.created':
          if (frame.room.kind === 'open_line') inbox.reload();
          break;
        case 'member.joined':
          if (frame.user_id === me() && !store.state.inbox.rows.has(frame.room_id)) inbox.reload();
          break;
        case 'member.left':
          // Taken off a conversation (moved to someone else): its row changed owner.
          if (frame.user_id === me() && store.state.inbox.rows.has(frame.room_id)) inbox.reload();
          break;
        case 'conversation.updated': {
          const next = frame.conversation;
          const known = store.state.inbox.rows.get(next.room_id);
          if (!known) {
            inbox.reload();
            break;
          }
          const before = new Map(store.state.inbox.rows);
          // The event goes to everyone watching the line, so its contact is not checked against
          // what this user may see; the row's own (from the list request) is.
          const merged = { ...known, ...next, contact_id: known.contact_id };
          store.update((s) => s.inbox.rows.set(next.room_id, merged), 'inbox');
          announce(before);
          break;
        }
        case 'message.created': {
          const row = store.state.inbox.rows.get(frame.message.room_id);
          if (row && !frame.message.thread_root_id && (!row.last_message || row.last_message.seq < frame.message.seq)) {
            store.update(() => {
              row.last_message = frame.message;
            }, 'inbox');
          }
          break;
        }
        case 'resumed':
          if (loadedOnce) inbox.reload();
          break;
        default:
          break;
      }
    },

    async take(row) {
      quiet.add(row.room_id);
      await ctx.api.take(row.room_id);
      await inbox.reload();
    },

    async close(row) {
      await ctx.api.closeConversation(row.room_id);
      await inbox.reload();
    },

    /** `target`: `{ operator_id }` or `{ line_id }`, with an optional `note`. */
    async transfer(row, target) {
      await ctx.api.transfer(row.room_id, target);
      await inbox.reload();
    },

    async note(row, body) {
      await ctx.api.addNote(row.room_id, body);
    },

    async addLabel(row, label) {
      keep(await ctx.api.addLabel(row.room_id, label));
    },

    async removeLabel(row, label) {
      keep(await ctx.api.removeLabel(row.room_id, label));
    },

    async snooze(row, until) {
      keep(await ctx.api.snooze(row.room_id, until));
    },

    /** Links the conversation to a deal of its contact: its messages reach the deal's timeline. */
    async linkDeal(row, dealId) {
      keep(await ctx.api.linkDeal(row.room_id, dealId));
    },

    async unlinkDeal(row) {
      keep(await ctx.api.unlinkDeal(row.room_id));
    },

    setFilter(change) {
      store.update((s) => Object.assign(s.inbox.filter, change), 'inbox');
    },

    setTab(tab) {
      store.update((s) => {
        s.inbox.tab = tab;
      }, 'inbox');
    },
  };
  return inbox;
}
