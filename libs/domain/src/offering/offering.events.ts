import { Money } from '../shared/money';
import { Validity } from './validity';

export type OfferingStatus = 'draft' | 'active' | 'paused' | 'archived';

export interface OfferingFields {
  name: string;
  description: string | null;
  sessionCount: number;
  price: Money;
  validity: Validity;
}

export type OfferingCreated = {
  type: 'OfferingCreated';
  data: OfferingFields & { offeringId: string; status: OfferingStatus };
};
export type OfferingUpdated = {
  type: 'OfferingUpdated';
  data: { offeringId: string; changes: Partial<OfferingFields> };
};
export type OfferingStatusChanged = {
  type: 'OfferingStatusChanged';
  data: { offeringId: string; from: OfferingStatus; to: OfferingStatus };
};

export type OfferingEvent = OfferingCreated | OfferingUpdated | OfferingStatusChanged;
