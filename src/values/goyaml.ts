// Transitional: src/render/manifests.ts, which others are editing, imports from here until it lands its new import line; then this file goes.
export { keyString, resolvePlain, type Resolved } from '../go/yaml-resolve.js';
