import http from 'node:http';
import https from 'node:https';
import { AttemptOutcome } from './planning';
import { checkUrl, DestinationPolicy, DestinationRefused, guardedLookup, Resolver, systemResolver } from './destination';

export interface SenderLimits extends DestinationPolicy {
  /** The whole call (connect, send, answer) must finish within this. */
  timeoutMs: number;
}

/** Answers larger than this are cut off (the call still counts by its status code). */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * One HTTP POST of a signed webhook. 2xx is success; anything else (3xx included: redirects are not
 * followed), a timeout, a refused destination or a connection error is a failure with its reason.
 */
export async function postWebhook(rawUrl: string, body: string, headers: Record<string, string>, limits: SenderLimits, resolve: Resolver = systemResolver): Promise<AttemptOutcome> {
  let url: URL;
  try {
    url = checkUrl(rawUrl, limits);
  } catch (error) {
    return { ok: false, statusCode: null, error: (error as Error).message };
  }
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<AttemptOutcome>((done) => {
    let settled = false;
    const finish = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      done(outcome);
    };
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body).toString(), 'User-Agent': 'Punchcard-Webhooks/1.0' },
        lookup: guardedLookup(limits, resolve) as never,
        agent: false,
      },
      (response) => {
        const statusCode = response.statusCode ?? 0;
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_RESPONSE_BYTES) response.destroy();
        });
        const settle = () =>
          finish(statusCode >= 200 && statusCode < 300 ? { ok: true, statusCode } : { ok: false, statusCode, error: `the endpoint answered ${statusCode}` });
        response.on('end', settle);
        response.on('close', settle);
        response.on('error', settle);
      },
    );
    const deadline = setTimeout(() => {
      finish({ ok: false, statusCode: null, error: `no answer within ${limits.timeoutMs} ms` });
      request.destroy();
    }, limits.timeoutMs);
    request.on('error', (error) =>
      finish({ ok: false, statusCode: null, error: error instanceof DestinationRefused ? error.message : `connection failed: ${(error as NodeJS.ErrnoException).code ?? error.message}` }),
    );
    request.end(body);
  });
}
