export { OutboundWebhooksModule } from './outbound-webhooks.module';
export { isPrivateAddress } from './destination';
