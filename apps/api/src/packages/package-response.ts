import { effectiveStatus, PackageState, toPackageView, withCreditsExpired } from '@punchcard/domain';

/** The package as a command answers with it: fresh from the stream, status as of `now`. */
export function packageResponse(state: Extract<PackageState, { exists: true }>, now: string) {
  const view = toPackageView(state);
  return withCreditsExpired({ ...view, status: effectiveStatus(view, now) });
}
