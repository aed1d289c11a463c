/**
 * Server API deliveries (docs/API.md): every authenticated socket is in its app's room and,
 * with a user, in that user's room of the app, whatever it subscribed to. `app_event`
 * messages are emitted to the room; a disconnect is told with its `client_error`, then the
 * room's sockets are disconnected.
 */
import type { AppRecord, Names, UserObject } from "@socketpot/contracts";
import { deliverEvery } from "./relay/delivery-policy";
import type { FanoutRoom, RelayRegistry } from "./relay/fanout-relay";

export type AppRooms = (app: AppRecord, user: UserObject | undefined) => FanoutRoom[];

export function createAppRooms(names: Names, relay: RelayRegistry): AppRooms {
  relay.handle("app", {
    policy: deliverEvery,
    delivered: (room, message) => {
      if (message.type === "disconnect") relay.disconnectRoom(room);
    },
  });
  return (app, user) => {
    const rooms: FanoutRoom[] = [{ family: "app", subject: names.fanout.app(app.id) }];
    if (user) rooms.push({ family: "app", subject: names.fanout.appUser(app.id, user.auth_id), subscription: names.fanout.appUsersOf(app.id) });
    return rooms;
  };
}
