import { OPTION_RULES } from './optionRanges';

/** Workers started at once, whatever limit a caller passes: each one is a promise and a closure. */
const MAX_WORKERS = OPTION_RULES.maxConcurrency.max;
const workerCount = (limit: number, cap = MAX_WORKERS) => Math.max(1, Math.min(Math.floor(limit) || 1, cap, MAX_WORKERS));

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

	await Promise.all(Array.from({ length: workerCount(limit, inputs.length) }, worker));
	return results;
}

/**
 * Like settleWithConcurrency, but the inputs are pulled one at a time as a worker frees up, so each
 * can depend on what the tasks before it learned; `ready`, when given, is awaited before each pull
 * but the first (to wait for such a lesson). Returns the inputs in pull order with their outcomes; pulling ends
 * when `pull` gives undefined or, with `stopOnError`, after a task failed.
 */
export async function settlePulled<T, R>(
	pull: () => T | undefined,
	limit: number,
	task: (input: T, index: number) => Promise<R>,
	stopOnError = false,
	ready?: () => Promise<void>,
): Promise<{ inputs: T[]; results: Array<Settled<R>> }> {
	const inputs: T[] = [];
	const results: Array<Settled<R>> = [];
	let failed = false;
	let exhausted = false;
	const stopped = () => exhausted || (stopOnError && failed);

	const worker = async () => {
		while (!stopped()) {
			if (ready && inputs.length > 0) await ready();
			if (stopped()) return;
			const input = pull();
			if (input === undefined) {
				exhausted = true;
				return;
			}
			const index = inputs.push(input) - 1;
			try {
				results[index] = { ok: true, value: await task(input, index) };
			} catch (error) {
				results[index] = { ok: false, error };
				failed = true;
			}
		}
	};

	await Promise.all(Array.from({ length: workerCount(limit) }, worker));
	return { inputs, results };
}
