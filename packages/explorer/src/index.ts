export { EXPLORER_PATH, explorerPlugin, type ExplorerOptions, type ExplorerPlugin } from './explorer-plugin.js';
export { buildCommand, defaultBundleDir, hasBundle } from './bundle.js';
