import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsString, Length } from 'class-validator';
import { MAX_GROUP_NAME_LENGTH, MAX_GROUPS } from '@punchcard/domain';

/**
 * A list of group names (client groups, offering visibility): `min` to 50 distinct names of 1 to
 * 100 characters. Names are trimmed first, because they are matched exactly and an invisible
 * trailing space would silently hide an offering from a group.
 */
export const GroupNames = (min: number) =>
  applyDecorators(
    Transform(({ value }) => (Array.isArray(value) ? value.map((name) => (typeof name === 'string' ? name.trim() : name)) : value)),
    IsArray(),
    ArrayMinSize(min),
    ArrayMaxSize(MAX_GROUPS),
    IsString({ each: true }),
    Length(1, MAX_GROUP_NAME_LENGTH, { each: true }),
    ArrayUnique(),
  );
