import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DeliveryDetail, DeliveryLog } from '../delivery-log';

/** Queues one delivery to be sent again at the next dispatch (same event id, a new signature). */
export class RedeliverWebhookCommand extends Command<DeliveryDetail> {
  constructor(
    readonly tenantId: string,
    readonly endpointId: string,
    readonly deliveryId: string,
  ) {
    super();
  }
}

@CommandHandler(RedeliverWebhookCommand)
export class RedeliverWebhookHandler implements ICommandHandler<RedeliverWebhookCommand> {
  constructor(private readonly log: DeliveryLog) {}
  execute({ tenantId, endpointId, deliveryId }: RedeliverWebhookCommand): Promise<DeliveryDetail> {
    return this.log.redeliver(tenantId, endpointId, deliveryId);
  }
}
