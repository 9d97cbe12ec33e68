import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { MessageKind } from '@punchcard/messages';
import { MessageAdmin } from '../message-admin';

type Result<T extends (...args: never[]) => unknown> = Awaited<ReturnType<T>>;
type Admin = MessageAdmin;

export class GetMessageSettingsQuery extends Query<Result<Admin['settings']>> {
  constructor(readonly tenantId: string) {
    super();
  }
}
export class ListMessageTemplatesQuery extends Query<Result<Admin['templates']>> {
  constructor(readonly tenantId: string) {
    super();
  }
}
export class PreviewMessageTemplateQuery extends Query<Result<Admin['preview']>> {
  constructor(
    readonly tenantId: string,
    readonly kind: MessageKind,
    readonly input: { subject?: string; html?: string; text?: string; packageId?: string },
  ) {
    super();
  }
}
export class ListMessagesQuery extends Query<Result<Admin['list']>> {
  constructor(
    readonly tenantId: string,
    readonly filter: Parameters<Admin['list']>[1],
  ) {
    super();
  }
}
export class GetMessageQuery extends Query<Result<Admin['get']>> {
  constructor(
    readonly tenantId: string,
    readonly id: string,
  ) {
    super();
  }
}
export class GetMessagePreferencesQuery extends Query<Result<Admin['preferences']>> {
  constructor(
    readonly tenantId: string,
    readonly clientId: string,
  ) {
    super();
  }
}

@QueryHandler(GetMessageSettingsQuery)
export class GetMessageSettingsHandler implements IQueryHandler<GetMessageSettingsQuery> {
  constructor(private readonly admin: MessageAdmin) {}
  execute(q: GetMessageSettingsQuery) {
    return this.admin.settings(q.tenantId);
  }
}
@QueryHandler(ListMessageTemplatesQuery)
export class ListMessageTemplatesHandler implements IQueryHandler<ListMessageTemplatesQuery> {
  constructor(private readonly admin: MessageAdmin) {}
  execute(q: ListMessageTemplatesQuery) {
    return this.admin.templates(q.tenantId);
  }
}
@QueryHandler(PreviewMessageTemplateQuery)
export class PreviewMessageTemplateHandler implements IQueryHandler<PreviewMessageTemplateQuery> {
  constructor(private readonly admin: MessageAdmin) {}
  execute(q: PreviewMessageTemplateQuery) {
    return this.admin.preview(q.tenantId, q.kind, q.input);
  }
}
@QueryHandler(ListMessagesQuery)
export class ListMessagesHandler implements IQueryHandler<ListMessagesQuery> {
  constructor(private readonly admin: MessageAdmin) {}
  execute(q: ListMessagesQuery) {
    return this.admin.list(q.tenantId, q.filter);
  }
}
@QueryHandler(GetMessageQuery)
export class GetMessageHandler implements IQueryHandler<GetMessageQuery> {
  constructor(private readonly admin: MessageAdmin) {}
  execute(q: GetMessageQuery) {
    return this.admin.get(q.tenantId, q.id);
  }
}
@QueryHandler(GetMessagePreferencesQuery)
export class GetMessagePreferencesHandler implements IQueryHandler<GetMessagePreferencesQuery> {
  constructor(private readonly admin: MessageAdmin) {}
  execute(q: GetMessagePreferencesQuery) {
    return this.admin.preferences(q.tenantId, q.clientId);
  }
}

export const MESSAGE_QUERY_HANDLERS = [
  GetMessageSettingsHandler,
  ListMessageTemplatesHandler,
  PreviewMessageTemplateHandler,
  ListMessagesHandler,
  GetMessageHandler,
  GetMessagePreferencesHandler,
];
