export { DEFAULT_CHART_DIR, DEFAULT_SCHEMA } from '../build/locations.js';
