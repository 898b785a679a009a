/**
 * Remembers, for one node execution, the failures that every further request would meet too (a
 * rejected key, an unreachable host, a wrong Base URL, an unknown model), so those requests fail at
 * once with the same message instead of each being sent, and retried, on its own.
 *
 * Most such failures concern the whole execution. A 403 or an unknown model concerns one model
 * only: Chat reads the model per item, and items asking for another model still go.
 */

export interface LatchedFailure {
	message: string;
	description: string;
	/** Copied to the failure info of every request it ends. */
	info: Record<string, unknown>;
}

export type SetupScope = { kind: 'execution' } | { kind: 'model'; model: string };

export class SetupLatch {
	private execution?: LatchedFailure;

	private readonly byModel = new Map<string, LatchedFailure>();

	set(scope: SetupScope, failure: LatchedFailure): void {
		if (scope.kind === 'execution') this.execution ??= failure;
		else if (!this.byModel.has(scope.model)) this.byModel.set(scope.model, failure);
	}

	/** The failure that awaits a request for `model`, if one is latched. */
	get(model?: string): LatchedFailure | undefined {
		return this.execution ?? (model !== undefined ? this.byModel.get(model) : undefined);
	}
}

/** Which requests a setup failure ends: those for the same model when it is about the model. */
export function scopeOf(status: number | undefined, modelMissing: boolean, model: string | undefined): SetupScope {
	const aboutTheModel = modelMissing || status === 403;
	return aboutTheModel && model ? { kind: 'model', model } : { kind: 'execution' };
}
