import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { validationPipe } from './http/validation';

/** HTTP settings shared by the service and the tests. */
export function configureApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.useBodyParser('json', { limit: '100kb', type: ['application/json', 'application/*+json'] });
  express.disable('x-powered-by');
  express.set('etag', false); // API responses are not cached by validators; hashing every body costs CPU
  express.set('query parser', 'simple');
  app.useGlobalPipes(validationPipe);
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
