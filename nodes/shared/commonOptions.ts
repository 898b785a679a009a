import type { INodeProperties } from 'n8n-workflow';

import { checkedNumber, editorBounds } from './optionRanges';
import { DEFAULT_MAX_AMBIGUOUS_RETRIES, DEFAULT_MAX_RETRIES } from './transport/retryPolicy';

/** Options both nodes offer for the HTTP side; read with `readTransportOptions`. */
export function transportOptions(defaultConcurrency: number, concurrencyHint: string, defaultTimeoutS: number): INodeProperties[] {
	return [
		{
			displayName: 'Max Concurrent Requests',
			name: 'maxConcurrency',
			type: 'number',
			typeOptions: editorBounds('maxConcurrency'),
			default: defaultConcurrency,
			description: `How many requests may be in flight at once. ${concurrencyHint}. Read once per execution.`,
		},
		{
			displayName: 'Max Retries',
			name: 'maxRetries',
			type: 'number',
			typeOptions: editorBounds('maxRetries'),
			default: DEFAULT_MAX_RETRIES,
			description:
				'How often a request is retried after the server said it did not do the work: a rate limit (429) or "service unavailable" (503); for embeddings and reads also a server error (500, 502, 504). Waits grow exponentially; a Retry-After from the server is honoured. A wrong key, URL or model is never retried. Read once per execution.',
		},
		{
			// Saved as maxAmbiguousRetries since 0.2 ("Max Retries After Timeouts"): the name stays so saved values keep working.
			displayName: 'Max Ambiguous Retries',
			name: 'maxAmbiguousRetries',
			type: 'number',
			typeOptions: editorBounds('maxAmbiguousRetries'),
			default: DEFAULT_MAX_AMBIGUOUS_RETRIES,
			description:
				'How often a request is retried after a failure that may come after the work was done, and billed: a timeout, a connection dropped after sending, an answer cut short, or a 500, 502 or 504 after a request that generates (chat, OCR, audio, batch job creation). The default is once. Embeddings, uploads and reads cost nothing that matters when repeated: they retry these up to Max Retries. Never more than Max Retries. Read once per execution.',
		},
		{
			displayName: 'Timeout (Seconds)',
			name: 'timeout',
			type: 'number',
			typeOptions: editorBounds('timeout'),
			default: defaultTimeoutS,
			description: 'How long to wait for one answer before the attempt counts as failed (1 to 3,600). Read once per execution.',
		},
	];
}

export interface TransportSettings {
	maxConcurrency: number;
	maxRetries: number;
	maxAmbiguousRetries: number;
	timeoutMs: number;
}

/** The transport options, checked against the option table (throws OptionValueError naming the option). */
export function readTransportOptions(options: Record<string, unknown>, defaultConcurrency: number, defaultTimeoutS: number): TransportSettings {
	return {
		maxConcurrency: checkedNumber('maxConcurrency', options.maxConcurrency, defaultConcurrency),
		maxRetries: checkedNumber('maxRetries', options.maxRetries, DEFAULT_MAX_RETRIES),
		maxAmbiguousRetries: checkedNumber('maxAmbiguousRetries', options.maxAmbiguousRetries, DEFAULT_MAX_AMBIGUOUS_RETRIES),
		timeoutMs: Math.round(checkedNumber('timeout', options.timeout, defaultTimeoutS) * 1000),
	};
}
