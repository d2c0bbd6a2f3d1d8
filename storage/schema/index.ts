// The drizzle schema (drizzle-kit reads this file; see drizzle.config.ts).
export * from './kv.ts';
export * from './session.ts';
export * from './catalog.ts';
export * from './state.ts';
export * from './events.ts';
export * from './coordinates.ts';
export * from './settings.ts';
