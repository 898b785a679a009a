/** Defaults Mistral Chat and Mistral Chat Model share (pure). */

export const DEFAULT_CHAT_CONCURRENCY = 4;

/** Reasoning models can think for minutes; Mistral's own SDK waits 300 s. */
export const DEFAULT_CHAT_TIMEOUT_S = 300;
