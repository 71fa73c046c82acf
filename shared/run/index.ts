export * from './classify';
export * from './events';
export * from './reduce';
export * from './nodes';
export * from './schema';
