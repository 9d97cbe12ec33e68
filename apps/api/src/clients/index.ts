export { ClientsModule } from './clients.module';
export { Client, ClientContact, ClientDirectory } from './client-directory';
