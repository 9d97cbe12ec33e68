import { INestApplication, NestApplicationOptions } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { ApiError } from './http/problem';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { StrictValidationPipe } from './http/validation';
import { withOpenScope } from '@punchcard/postgres';

/**
 * Nest's default parsers would also accept urlencoded bodies; only JSON is registered (in configureApp).
 * `rawBody` keeps each JSON body's bytes as received (`req.rawBody`): Stripe's webhook signature is over them.
 */
export const APP_OPTIONS: NestApplicationOptions = { bodyParser: false, rawBody: true };

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Unsubscribe links (ADR 0023): mail clients' one-click unsubscribe (RFC 8058) and the link's own page
 * POST a form (`List-Unsubscribe=One-Click`, or nothing). The body is not parsed; the route reads none.
 */
const FORM_POSTS = new Set(['/v1/unsubscribe']);

/** A request that carries a body must say it is JSON; anything else is 415, not silently ignored. */
function requireJson(request: Request, _response: Response, next: NextFunction): void {
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  const form = request.method === 'POST' && FORM_POSTS.has(request.path) && request.is('application/x-www-form-urlencoded');
  if (WITH_BODY.has(request.method) && hasBody && !form && !request.is(['application/json', 'application/*+json'])) {
    return next(new ApiError(415, 'unsupported_media_type', 'Send the request body as application/json.'));
  }
  next();
}

/** Far deeper than any request body needs; a body nested thousands deep would overflow the (recursive) validators. */
const MAX_BODY_DEPTH = 32;

function nestedDeeperThan(body: unknown, maxDepth: number): boolean {
  const pending: [unknown, number][] = [[body, 0]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) return true;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return false;
}

function limitBodyDepth(request: Request, _response: Response, next: NextFunction): void {
  if (nestedDeeperThan(request.body, MAX_BODY_DEPTH)) {
    return next(new ApiError(400, 'body_too_deep', `The request body is nested more than ${MAX_BODY_DEPTH} levels deep.`));
  }
  next();
}

/** Helmet's defaults (HSTS, nosniff, no-referrer, ...) with a frame ban and a CSP that allows nothing: JSON is never rendered. */
const apiHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] } },
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
});

/** The Swagger UI is a page: its own scripts, styles (some inline), data: images and calls to this origin. */
const docsHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
});

const isDocsPage = (path: string) => path === '/docs' || path.startsWith('/docs/');

/** Security headers on every response, errors included; API responses carry tenant data and must not be stored by caches. */
function securityHeaders(request: Request, response: Response, next: NextFunction): void {
  if (isDocsPage(request.path)) return docsHeaders(request, response, next);
  response.setHeader('Cache-Control', 'no-store');
  apiHeaders(request, response, next);
}

/** HTTP settings shared by the service and the tests (create the app with APP_OPTIONS). */
export function configureApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.use(securityHeaders);
  // Every request runs in its own tenant scope; authentication (AuthGuard) fills it in.
  express.use((_request: Request, _response: Response, next: NextFunction) => withOpenScope(next));
  express.use(requireJson);
  express.useBodyParser('json', { limit: '100kb', type: ['application/json', 'application/*+json'] });
  express.use(limitBodyDepth);
  express.disable('x-powered-by');
  express.set('etag', false); // API responses are not cached by validators; hashing every body costs CPU
  express.set('query parser', 'simple');
  app.useGlobalPipes(new StrictValidationPipe());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Punchcard')
      .setDescription('Prepaid session packages: an event-sourced credit ledger. Errors are application/problem+json with a stable `code`.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
