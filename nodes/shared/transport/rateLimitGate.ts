import { abortableSleep } from '../abortableSleep';

/**
 * One gate per node execution: a 429 closes it until the server's Retry-After has passed, and every
 * request of that execution waits at the gate before it is sent, so a rate-limited account is not
 * hammered by the other requests still in the pool.
 */
export class RateLimitGate {
	private closedUntilMs = 0;

	constructor(private readonly now: () => number = Date.now) {}

	closeFor(delayMs: number): void {
		this.closedUntilMs = Math.max(this.closedUntilMs, this.now() + delayMs);
	}

	remainingMs(): number {
		return Math.max(0, this.closedUntilMs - this.now());
	}

	/** Resolves once the gate is open (re-checking, since another 429 may extend the pause). */
	async pass(signal?: AbortSignal): Promise<number> {
		let waitedMs = 0;
		for (let remaining = this.remainingMs(); remaining > 0; remaining = this.remainingMs()) {
			await abortableSleep(remaining, signal);
			waitedMs += remaining;
		}
		return waitedMs;
	}
}
