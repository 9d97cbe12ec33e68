export { MessagesModule } from './messages.module';
export { MessageDispatcher } from './dispatch/message-dispatcher';
export { MessagePlanner } from './planner/message-planner';
