import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients';
import { TenantsModule } from '../tenants';
import { MessageDispatcher } from './dispatch/message-dispatcher';
import { MessagesScheduler } from './dispatch/messages-scheduler';
import { MessageContent } from './message-content';
import { MessageAdmin } from './message-admin';
import { MessagesController, UnsubscribeController } from './messages.controller';
import { MessagePlanner } from './planner/message-planner';
import { MESSAGE_QUERY_HANDLERS } from './queries/messages.queries';

/** Client lifecycle messages (issue 13, ADR 0023): planning from events, dispatch by email, templates, the message log. */
@Module({
  imports: [ClientsModule, TenantsModule],
  controllers: [MessagesController, UnsubscribeController],
  providers: [MessagePlanner, MessageContent, MessageAdmin, MessageDispatcher, MessagesScheduler, ...MESSAGE_QUERY_HANDLERS],
})
export class MessagesModule {}
