export { OutboundWebhooksModule } from './outbound-webhooks.module';
export { MessageFailure, planMessageFailedDeliveries } from './message-failed';
export { isPrivateAddress } from './destination';
