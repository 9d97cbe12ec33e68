import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EndpointChanges, EndpointView, EndpointWithSecret, WebhookEndpoints } from '../webhook-endpoints';

/** Endpoints are service rows, not event-sourced: each command is one statement on `webhook_endpoints`. */
export class CreateWebhookEndpointCommand extends Command<EndpointWithSecret> {
  constructor(
    readonly tenantId: string,
    readonly endpointId: string,
    readonly input: { url: string; description: string | null; events: string[]; enabled: boolean },
  ) {
    super();
  }
}

@CommandHandler(CreateWebhookEndpointCommand)
export class CreateWebhookEndpointHandler implements ICommandHandler<CreateWebhookEndpointCommand> {
  constructor(private readonly endpoints: WebhookEndpoints) {}
  execute({ tenantId, endpointId, input }: CreateWebhookEndpointCommand): Promise<EndpointWithSecret> {
    return this.endpoints.create(tenantId, endpointId, input);
  }
}

export class UpdateWebhookEndpointCommand extends Command<EndpointView> {
  constructor(
    readonly tenantId: string,
    readonly endpointId: string,
    readonly changes: EndpointChanges,
  ) {
    super();
  }
}

@CommandHandler(UpdateWebhookEndpointCommand)
export class UpdateWebhookEndpointHandler implements ICommandHandler<UpdateWebhookEndpointCommand> {
  constructor(private readonly endpoints: WebhookEndpoints) {}
  execute({ tenantId, endpointId, changes }: UpdateWebhookEndpointCommand): Promise<EndpointView> {
    return this.endpoints.update(tenantId, endpointId, changes);
  }
}

export class DeleteWebhookEndpointCommand extends Command<void> {
  constructor(
    readonly tenantId: string,
    readonly endpointId: string,
  ) {
    super();
  }
}

@CommandHandler(DeleteWebhookEndpointCommand)
export class DeleteWebhookEndpointHandler implements ICommandHandler<DeleteWebhookEndpointCommand> {
  constructor(private readonly endpoints: WebhookEndpoints) {}
  execute({ tenantId, endpointId }: DeleteWebhookEndpointCommand): Promise<void> {
    return this.endpoints.delete(tenantId, endpointId);
  }
}

export class RotateWebhookSecretCommand extends Command<EndpointWithSecret> {
  constructor(
    readonly tenantId: string,
    readonly endpointId: string,
  ) {
    super();
  }
}

@CommandHandler(RotateWebhookSecretCommand)
export class RotateWebhookSecretHandler implements ICommandHandler<RotateWebhookSecretCommand> {
  constructor(private readonly endpoints: WebhookEndpoints) {}
  execute({ tenantId, endpointId }: RotateWebhookSecretCommand): Promise<EndpointWithSecret> {
    return this.endpoints.rotateSecret(tenantId, endpointId);
  }
}
