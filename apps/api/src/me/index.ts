export { MeModule } from './me.module';
