// chatd-sdk: Tencent's Web SDK API (TencentCloudChat, alias TIM) over chatd's WebSocket
// protocol, and that protocol's own client (ChatdClient).
import { TencentCloudChat } from './tim.js';

export { TencentCloudChat, TencentCloudChat as TIM };
export type { ChatResponse, ChatErrorResponse, CreateOptions } from './tim.js';
export type { TimMessage } from './translate.js';
export { ChatdClient, ChatdError, CLIENT_ERRORS } from './client.js';
export type { ChatdClientOptions, NetState } from './client.js';
export { EVENT, TYPES, TSIGNALING } from './types.js';
export * as translate from './translate.js';
export default TencentCloudChat;
