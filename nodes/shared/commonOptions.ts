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
				'How often a request is retried after the server said it did not do the work: a rate limit (429) or a server error (500, 502, 503, 504). Waits grow exponentially; a Retry-After from the server is honoured. A wrong key, URL or model is never retried. Read once per execution.',
		},
		{
			displayName: 'Max Retries After Timeouts',
			name: 'maxAmbiguousRetries',
			type: 'number',
			typeOptions: editorBounds('maxAmbiguousRetries'),
			default: DEFAULT_MAX_AMBIGUOUS_RETRIES,
			description:
				'How often a request is retried after a timeout, a connection dropped after sending, or an answer cut short. The server may have done (and billed) that work already, so the default is once. Never more than Max Retries. Read once per execution.',
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
