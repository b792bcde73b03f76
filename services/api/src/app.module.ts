import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeysController, AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { ConsentController } from './consent/consent.controller';
import { ChannelsController } from './channels/channels.controller';
import { WebhookSecretController } from './channels/webhook-secret.controller';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { DEPS, type ApiDeps } from './deps';
import { ExecutionsController } from './executions/executions.controller';
import { buildOpenApi } from './http/doc';
import { OPENAPI, SystemController } from './http/system.controller';
import { LiveController } from './live/live.controller';
import { MetricsController } from './metrics/metrics.controller';
import { OutboxController } from './outbox/outbox.controller';
import { ReplaysController } from './replays/replays.controller';
import { ExplainController } from './explain/explain.controller';
import { TemplatesController } from './templates/templates.controller';
import { CatalogController, WorkflowsController } from './workflows/workflows.controller';

export const CONTROLLERS: Type[] = [
  AuthController,
  ApiKeysController,
  ChannelsController,
  WebhookSecretController,
  CatalogController,
  WorkflowsController,
  TemplatesController,
  ExecutionsController,
  DeadLettersController,
  MetricsController,
  LiveController,
  OutboxController,
  ReplaysController,
  ExplainController,
  ConsentController,
  SystemController,
];

/** The controllers a deployment serves: the outbox of the local stand-ins exists only outside production. */
export const controllersFor = (nodeEnv: string): Type[] => CONTROLLERS.filter((c) => c !== OutboxController || nodeEnv !== 'production');

export const openApiDocument = (controllers: Type[] = CONTROLLERS): Record<string, unknown> =>
  buildOpenApi(controllers, { title: 'Fixlify Automation API', version: '1.0.0' });

@Module({})
export class AppModule {
  static forRoot(deps: ApiDeps): DynamicModule {
    let doc: Record<string, unknown> | null = null;
    const controllers = controllersFor(deps.cfg.NODE_ENV);
    return {
      module: AppModule,
      controllers,
      providers: [
        { provide: DEPS, useValue: deps },
        { provide: OPENAPI, useValue: () => (doc ??= openApiDocument(controllers)) },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    };
  }
}
