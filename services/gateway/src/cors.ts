/**
 * CORS for the socket.io endpoint (engine.io hands these options to the `cors` package).
 *
 * Socketpot sets no cookie and honours no ambient credential: a socket is who the
 * access_token of its `auth` says. So answers never allow credentials, with one exception:
 * Engine.IO v3 clients (socket.io-client 1.x always, 2.x by default) send every polling XHR
 * `withCredentials`, and a browser drops the answer to such a request unless it carries
 * `Access-Control-Allow-Credentials: true`. Those requests (`EIO=3`, and `EIO=2` of
 * socket.io-client 1.0.x, which engine.io answers as v3) get it; it gives a page
 * nothing it could not do without, since no cookie of Socketpot's exists to be sent.
 */
import type { CorsOptions, CorsOptionsDelegate } from "cors";

/** `CORS_ORIGIN`: "*" for any page, or a comma-separated list of origins. */
export function corsOptions(corsOrigin: string): CorsOptionsDelegate {
  const origin: CorsOptions["origin"] = corsOrigin === "*" ? true : corsOrigin.split(",").map((o) => o.trim());
  // engine.io passes its IncomingMessage, which has the URL the `cors` typings leave out.
  return (req, callback) => callback(null, { origin, credentials: isEngineIoV3((req as { url?: string }).url) });
}

function isEngineIoV3(url: string | undefined): boolean {
  return url !== undefined && /[?&]EIO=[23](&|$)/.test(url);
}
