import type { INodeProperties } from 'n8n-workflow';

/** Options both nodes offer for the HTTP side; read with `readTransportOptions`. */
export function transportOptions(defaultConcurrency: number, concurrencyHint: string): INodeProperties[] {
	return [
		{
			displayName: 'Max Concurrent Requests',
			name: 'maxConcurrency',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 64 },
			default: defaultConcurrency,
			description: `How many requests may be in flight at once. ${concurrencyHint}.`,
		},
		{
			displayName: 'Max Retries',
			name: 'maxRetries',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 20 },
			default: 5,
			description:
				'How often a request is retried after a rate limit (429), a server error (500, 502, 503, 504), a timeout or a dropped connection. Waits grow exponentially; a Retry-After from the server is honoured.',
		},
		{
			displayName: 'Timeout (Seconds)',
			name: 'timeout',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 60,
			description: 'How long to wait for one answer before the attempt counts as failed (and is retried)',
		},
	];
}

export interface TransportSettings {
	maxConcurrency: number;
	maxRetries: number;
	timeoutMs: number;
}

export function readTransportOptions(options: Record<string, unknown>, defaultConcurrency: number): TransportSettings {
	const positive = (value: unknown, fallback: number) =>
		typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
	const maxRetries = typeof options.maxRetries === 'number' && options.maxRetries >= 0 ? Math.floor(options.maxRetries) : 5;
	return {
		maxConcurrency: Math.floor(positive(options.maxConcurrency, defaultConcurrency)),
		maxRetries,
		timeoutMs: Math.round(positive(options.timeout, 60) * 1000),
	};
}
