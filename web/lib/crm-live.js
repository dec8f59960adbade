// CRM screens kept live (docs/realtime-protocol.md, `crm.changed`). While any screen watches,
// this connection is subscribed; a frame names a record only, and the screen reads it again
// over REST under its own visibility. A new connection knows nothing of the subscription, so
// after a reconnect it subscribes again and every watcher reloads: changes made while it was
// away are not replayed.

export function createCrmLive(ctx) {
  const watchers = new Set();
  let subscribed = false;

  async function subscribe() {
    if (!watchers.size || !ctx.socket.ready) return false;
    try {
      await ctx.socket.request({ type: 'crm_subscribe' });
      subscribed = true;
    } catch {
      // Asked again when the connection is back (`resumed`).
      subscribed = false;
    }
    return subscribed;
  }

  function tell(frame) {
    for (const watcher of [...watchers]) watcher(frame);
  }

  return {
    /** Calls `listener` with each `crm.changed` frame, or `{type: 'reload'}`; returns the unwatch. */
    watch(listener) {
      watchers.add(listener);
      if (watchers.size === 1) subscribe();
      return () => {
        watchers.delete(listener);
        if (watchers.size || !subscribed) return;
        subscribed = false;
        if (ctx.socket.ready) ctx.socket.request({ type: 'crm_unsubscribe' }).catch(() => {});
      };
    },
    handleFrame(frame) {
      if (frame.type === 'crm.changed') {
        tell(frame);
      } else if (frame.type === 'resync' && frame.crm) {
        tell({ type: 'reload' });
      } else if (frame.type === 'resumed' && watchers.size) {
        const reconnected = subscribed;
        subscribe().then((ok) => {
          if (ok && reconnected) tell({ type: 'reload' });
        });
      }
    },
  };
}
