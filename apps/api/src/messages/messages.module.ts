import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients';
import { TenantsModule } from '../tenants';
import { MessageDispatcher } from './dispatch/message-dispatcher';
import { MessagesScheduler } from './dispatch/messages-scheduler';
import { MessageContent } from './message-content';
import { MessagePlanner } from './planner/message-planner';

/** Client lifecycle messages (issue 13, ADR 0023): planning from events, dispatch by email, templates, the message log. */
@Module({
  imports: [ClientsModule, TenantsModule],
  providers: [MessagePlanner, MessageContent, MessageDispatcher, MessagesScheduler],
})
export class MessagesModule {}
