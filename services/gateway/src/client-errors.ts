import { z } from "zod";

/** Developer-friendly `client_error` texts. Never include internal details. */
export const clientErrors = {
  authTimeout: (ms: number) =>
    `No auth request within ${Math.round(ms / 1000)} s of connecting: emit 'auth' with {app_id, subscriptions, access_token?} right after 'connect'. Disconnecting.`,
  invalid: (event: string, error: z.ZodError) => `Invalid '${event}' payload: ${summarize(error)}`,
  missingCallback: (event: string) =>
    `'${event}' needs a callback function as its last argument, e.g. socket.emit('${event}', payload, function (err, result) { ... }).`,
  unknownApp: (appId: number) => `Unknown app_id ${appId}: check your Moneypot app ID.`,
  originNotAllowed: (appId: number, origin: string) =>
    `App ${appId} does not allow sockets from the page ${JSON.stringify(origin.slice(0, 200))}: its owner lists the allowed origins in the directory.`,
  alreadyAuthenticated: () => `'auth' was already sent on this connection; reconnect to authenticate again.`,
  notAuthenticated: (event: string) => `'${event}' before a successful 'auth': authenticate first.`,
  notSubscribed: (event: string, sub: string) => `'${event}' needs the "${sub}" subscription in your auth request.`,
  loginRequired: (event: string) => `'${event}' needs a logged-in user: send a valid access_token in 'auth'.`,
  noSubscriptions: () =>
    `None of your subscriptions could be granted ("DEPOSITS" needs a valid access_token). Disconnecting.`,
  tooLarge: (event: string, bytes: number, max: number) => `'${event}' payload is ${bytes} bytes; the limit is ${max} bytes.`,
  unknownEvent: (event: unknown, known: string[]) =>
    `Unknown event ${JSON.stringify(String(event).slice(0, 40))}. Socketpot accepts: ${known.join(", ")}.`,
  tokenRevoked: () => `Your access_token was revoked or has expired. Disconnecting; reconnect and authenticate again.`,
} as const;

function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}
