export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs `task` over `inputs` with at most `limit` in flight and returns the outcomes in input order.
 * With `stopOnError`, no new task starts after the first failure (tasks already running finish);
 * the tasks never started are left `undefined`, and they all come after a failed one.
 */
export async function settleWithConcurrency<T, R>(
	inputs: readonly T[],
	limit: number,
	task: (input: T, index: number) => Promise<R>,
	stopOnError = false,
): Promise<Array<Settled<R> | undefined>> {
	const results: Array<Settled<R> | undefined> = new Array(inputs.length);
	let next = 0;
	let failed = false;

	const worker = async () => {
		while (next < inputs.length && !(stopOnError && failed)) {
			const index = next++;
			try {
				results[index] = { ok: true, value: await task(inputs[index], index) };
			} catch (error) {
				results[index] = { ok: false, error };
				failed = true;
			}
		}
	};

	const workers = Math.max(1, Math.min(Math.floor(limit) || 1, inputs.length));
	await Promise.all(Array.from({ length: workers }, worker));
	return results;
}
