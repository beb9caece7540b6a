export { acquireOrder, rankMembers, targetOf } from './balanced-share';
export type { ShareView } from './balanced-share';
export { LeaseManager, leaseKey, memberKey } from './lease-manager';
export type { LeaseCallbacks, LeaseLog, LeaseOptions, LeaseValue } from './lease-manager';
