export { OutboundWebhooksModule } from './outbound-webhooks.module';
export { MessageFailure, planMessageFailedDeliveries, redactAddresses } from './message-failed';
export { isPrivateAddress } from './destination';
