import { INestApplication } from '@nestjs/common';

/** A route as Express registered it, e.g. "GET /v1/clients/:id". */
export type RouteKey = `${'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'HEAD' | 'OPTIONS' | 'ALL'} /${string}`;

interface ExpressLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
}

/**
 * Every route the running app answers, read from the Express router (Express 5: `app.router`),
 * which holds what Nest and Swagger registered, in registration order. Middleware layers
 * (body parser, static files) have no `route` and are left out.
 */
export function registeredRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance();
  const router: { stack: ExpressLayer[] } | undefined = express.router ?? express._router;
  if (!router) throw new Error('The Express router is not where this helper expects it (Express 5 app.router)');
  const routes: string[] = [];
  for (const layer of router.stack) {
    if (!layer.route) continue;
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    for (const path of paths) {
      if (typeof path !== 'string') throw new Error(`A route with a non-string path (${String(path)}): list it by hand`);
      for (const method of Object.keys(layer.route.methods)) routes.push(`${method === '_all' ? 'ALL' : method.toUpperCase()} ${path}`);
    }
  }
  return routes;
}
