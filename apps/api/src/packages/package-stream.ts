import { effectiveStatus, evolvePackage, initialPackageState, PackageEvent, PackageState, toPackageView } from '@punchcard/domain';
import { StreamDecider } from '../write-side/stream-executor';

export const packageStreamId = (packageId: string) => `package-${packageId}`;

export const packageDecider: StreamDecider<PackageState, PackageEvent> = {
  initialState: initialPackageState,
  evolve: evolvePackage,
};

/** The package as a command answers with it: fresh from the stream, status as of `now`. */
export function packageResponse(state: Extract<PackageState, { exists: true }>, now: string) {
  const view = toPackageView(state);
  return { ...view, status: effectiveStatus(view, now) };
}
