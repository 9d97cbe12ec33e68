import { INestApplication, NestApplicationOptions } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './http/problem';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { StrictValidationPipe } from './http/validation';
import { withOpenScope } from '../../../libs/postgres/src/tenant-scope';

/** Nest's default parsers would also accept urlencoded bodies; only JSON is registered (in configureApp). */
export const APP_OPTIONS: NestApplicationOptions = { bodyParser: false };

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** A request that carries a body must say it is JSON; anything else is 415, not silently ignored. */
function requireJson(request: Request, _response: Response, next: NextFunction): void {
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (WITH_BODY.has(request.method) && hasBody && !request.is(['application/json', 'application/*+json'])) {
    return next(new ApiError(415, 'unsupported_media_type', 'Send the request body as application/json.'));
  }
  next();
}

/** HTTP settings shared by the service and the tests (create the app with APP_OPTIONS). */
export function configureApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  // Every request runs in its own tenant scope; authentication (AuthGuard) fills it in.
  express.use((_request: Request, _response: Response, next: NextFunction) => withOpenScope(next));
  express.use(requireJson);
  express.useBodyParser('json', { limit: '100kb', type: ['application/json', 'application/*+json'] });
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
