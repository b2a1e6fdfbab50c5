import type { Http2Bindings, HttpBindings } from '@hono/node-server';
import type { Socket } from 'node:net';
import type { Logger } from './log.ts';

type Fetch = (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;

/**
 * Keep-alive connections that never lose an answer. A request answered before its body was
 * read to the end (a webhook refused with 413 after 64 KiB, a refusal that reads no body)
 * leaves the rest of that body on its connection; Node's adapter drains it in the background
 * and, when the drain stalls, destroys the socket 500 ms later without a word, taking with it
 * the answer of a request the client had sent meanwhile (stored, never answered: seen while
 * fuzzing webhooks). So such an answer says `Connection: close` and Node closes the connection
 * once it is written. Requests behind it on that connection could not be answered, so they
 * never reach the app (the client sends them again on a new connection). For "behind it" to be
 * known before a request runs, the requests of one connection run one after the other, as their
 * answers go out in that order anyway.
 */
export function answerOrCloseConnection(fetch: Fetch, log: Logger): Fetch {
  /** Per connection, the last request's outcome: whether the connection stays open after its answer. */
  const lastRequest = new WeakMap<Socket, Promise<boolean>>();

  return async function answerOrClose(request, env) {
    const { incoming } = env;
    const previous = lastRequest.get(incoming.socket);
    let keepsOpen!: (open: boolean) => void;
    lastRequest.set(incoming.socket, new Promise<boolean>((resolve) => (keepsOpen = resolve)));
    if (previous && !(await previous)) {
      keepsOpen(false);
      log.debug('request dropped: an earlier answer on its connection closes it', { method: request.method });
      return new Response(null, { status: 503, headers: { Connection: 'close' } });
    }
    try {
      const response = await fetch(request, env);
      // All of the body arrived and nothing of it waits unread: Node can go on to the next request.
      const bodyRead = incoming.complete && incoming.readableLength === 0;
      keepsOpen(bodyRead);
      if (bodyRead) return response;
      const closing = new Response(response.body, response);
      closing.headers.set('Connection', 'close');
      return closing;
    } catch (error) {
      keepsOpen(false);
      throw error;
    }
  };
}
