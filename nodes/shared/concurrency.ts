export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs `task` over `inputs` with at most `limit` in flight and returns the outcomes in input order.
 * With `stopOnError`, no new task starts after the first failure (tasks already running finish) and
 * the first error is thrown.
 */
export async function settleWithConcurrency<T, R>(
	inputs: readonly T[],
	limit: number,
	task: (input: T, index: number) => Promise<R>,
	stopOnError = false,
): Promise<Array<Settled<R>>> {
	const results: Array<Settled<R>> = new Array(inputs.length);
	let next = 0;
	let firstError: { error: unknown } | undefined;

	const worker = async () => {
		while (next < inputs.length && !(stopOnError && firstError)) {
			const index = next++;
			try {
				results[index] = { ok: true, value: await task(inputs[index], index) };
			} catch (error) {
				results[index] = { ok: false, error };
				if (!firstError) firstError = { error };
			}
		}
	};

	const workers = Math.max(1, Math.min(Math.floor(limit) || 1, inputs.length));
	await Promise.all(Array.from({ length: workers }, worker));
	if (stopOnError && firstError) throw firstError.error;
	return results;
}
