// Transitional: src/migrate/douban.ts, which another engineer is editing, imports from here until it lands its new import line; then this file goes.
export { DEFAULT_SCHEMA } from '../chart/locations.js';
