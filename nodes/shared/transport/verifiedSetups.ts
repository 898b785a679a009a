/**
 * The setups (Base URL and API key) a server accepted lately, in this n8n process (no n8n import).
 *
 * An execution's first request goes alone until it has an answer, so that a wrong key or Base URL
 * fails once rather than once per request in flight (MistralClient.request). That costs a whole round
 * trip per execution: an OCR, a transcription or a chat answer of several seconds before the other
 * items start. A workflow that runs again and again (a schedule, a webhook) against a setup the server
 * accepted minutes ago skips that wait. A key revoked in between then fails the requests already in
 * flight (Max Concurrent Requests at most, none billed) before the latch stops the rest.
 *
 * Only a digest of the URL and key is kept, never the key.
 */
import { createHash } from 'node:crypto';

/** How long an accepted setup is trusted after its last successful answer. */
export const TRUSTED_FOR_MS = 10 * 60_000;
/** Setups remembered at most (a process serving many credentials forgets them all and starts again). */
const MAX_SETUPS = 1000;

export class VerifiedSetups {
	private readonly acceptedAt = new Map<string, number>();

	constructor(private readonly now: () => number = Date.now) {}

	/** The digest a setup is remembered by. */
	static keyOf(baseUrl: string, authorization: string | undefined): string {
		return createHash('sha256')
			.update(`${baseUrl}\n${authorization ?? ''}`)
			.digest('base64');
	}

	/** Whether the server accepted this setup within TRUSTED_FOR_MS. */
	trusts(key: string): boolean {
		const at = this.acceptedAt.get(key);
		return at !== undefined && this.now() - at < TRUSTED_FOR_MS;
	}

	/** The server answered a request of this setup with success. */
	accepted(key: string): void {
		if (this.acceptedAt.size >= MAX_SETUPS && !this.acceptedAt.has(key)) this.acceptedAt.clear();
		this.acceptedAt.set(key, this.now());
	}

	/** A request of this setup failed for a reason every request would meet (key, Base URL). */
	refused(key: string): void {
		this.acceptedAt.delete(key);
	}

	/** Forgets every setup: the next execution of each sends its first request alone (a fresh process). */
	forgetAll(): void {
		this.acceptedAt.clear();
	}
}

/** The process's memory of accepted setups, shared by every node and execution. */
export const verifiedSetups = new VerifiedSetups();
