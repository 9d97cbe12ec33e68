import { Injectable } from '@nestjs/common';
import { ClientPrincipal } from '../auth/principal';

/** Mints and verifies client tokens (placeholder until the client-token work lands). */
@Injectable()
export class ClientTokens {
  async verify(_token: string): Promise<ClientPrincipal | null> {
    return null;
  }
}
