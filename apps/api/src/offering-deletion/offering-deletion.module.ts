import { Module } from '@nestjs/common';
import { OfferingDeletion } from './offering-deletion';
import { OfferingDeletionController } from './offering-deletion.controller';

/** Deleting an offering: a process over the offering's stream and its upcoming bookings. */
@Module({ controllers: [OfferingDeletionController], providers: [OfferingDeletion] })
export class OfferingDeletionModule {}
