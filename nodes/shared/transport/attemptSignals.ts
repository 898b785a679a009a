/**
 * The deadlines of one HTTP attempt, carried to n8n's request helper as its abort signal, which
 * fires when the execution is cancelled and also when
 *  - the attempt's Timeout has passed: Timeout covers the whole answer, a streamed one included
 *    (a keep-alive every few milliseconds does not extend it), not only the pauses between bytes;
 *  - the client gives up on a host that accepts no connection (see MistralClient's first-contact check).
 * Timers are AbortSignal.timeout: nothing to clear, and they keep no process alive.
 */
export class AttemptSignals {
	/** Fires when the attempt's Timeout has passed. */
	readonly deadline: AbortSignal;

	/** What the request helper aborts on. */
	readonly signal: AbortSignal;

	private readonly givenUp = new AbortController();

	constructor(
		timeoutMs: number,
		readonly cancel?: AbortSignal,
	) {
		this.deadline = AbortSignal.timeout(Math.max(1, timeoutMs));
		this.signal = AbortSignal.any([this.deadline, this.givenUp.signal, ...(cancel ? [cancel] : [])]);
	}

	/** Ends the attempt now (the host accepts no connection). */
	giveUp(): void {
		this.givenUp.abort();
	}

	/** Why the attempt was aborted: the execution was cancelled first, else its deadline, else given up. */
	get abortedBy(): 'cancel' | 'deadline' | 'given-up' | undefined {
		if (this.cancel?.aborted) return 'cancel';
		if (this.deadline.aborted) return 'deadline';
		if (this.givenUp.signal.aborted) return 'given-up';
		return undefined;
	}
}

/** Resolves when `signal` fires (never rejects). */
export async function fired(signal: AbortSignal): Promise<void> {
	if (signal.aborted) return;
	await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
