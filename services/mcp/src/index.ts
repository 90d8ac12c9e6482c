export * from './mcp.config.js';
export * from './mcp.server.js';
export * from './mcp-http.server.js';
export { toolError, resolveTenant } from './tool-result.js';
export { RECALL_TOOL, recallText } from './tools/recall.tool.js';
export { REMEMBER_TOOL } from './tools/remember.tool.js';
export { MEMORY_HISTORY_TOOL, historyText } from './tools/memory-history.tool.js';
export { FORGET_TOOL } from './tools/forget.tool.js';
