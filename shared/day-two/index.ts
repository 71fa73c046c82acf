export * from './version';
export * from './cluster-state';
export * from './upgrade-plan';
export * from './remove-plan';
export * from './firewall-peer';
