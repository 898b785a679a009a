/**
 * What a failed request tells its caller (pure): MistralClient keeps it on its NodeApiError's
 * `context.mistral`, and the callers that decide what an error blames (splitting a refused batch,
 * a batch job that may exist) read it back with failureInfoOf.
 */
export interface FailureInfo {
	kind: 'http' | 'network' | 'timeout' | 'invalid-response' | 'cancelled' | 'configuration';
	status?: number;
	code?: string;
	/** The server's own error type and message, for callers that decide what an error blames. */
	type?: string;
	message?: string;
	/** Request fields a 422 names, e.g. "input.3". */
	fields?: string[];
	/** True when this request was never sent: an earlier one of the execution failed for a reason all share. */
	notSent?: boolean;
	/** True when the last attempt's failure may have come after the server did the work (a timeout, a dropped connection, a gateway 502 after a generating POST). */
	mayHaveRun?: boolean;
}

export function failureInfoOf(error: unknown): FailureInfo | undefined {
	const context = (error as { context?: { mistral?: FailureInfo } })?.context;
	return context?.mistral;
}
