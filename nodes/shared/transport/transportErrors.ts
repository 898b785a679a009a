/**
 * What a failure below HTTP (no answer, a refused or dropped connection, DNS, TLS, a URL or header
 * n8n cannot send) means, in words a user can act on (pure). Shared by the nodes and the
 * credential test.
 */
import { CONNECT_TIMEOUT_MS, isTlsCode, NO_CONNECTION_CODE, TIMEOUT_CODES, UNREACHABLE_CODES } from './retryPolicy';

export interface TransportFailure {
	code?: string;
	/** The error's own message, already redacted. */
	message?: string;
	/** host:port, never userinfo. */
	host: string;
	timeoutMs: number;
	attempts: number;
}

export interface FailureText {
	message: string;
	description: string;
}

const CREDENTIAL = 'the "Mistral AI API" credential';

function after(attempts: number): string {
	return attempts > 1 ? ` after ${attempts} attempts` : '';
}

export function isTimeout(code: string | undefined): boolean {
	return code !== undefined && TIMEOUT_CODES.has(code);
}

export function describeTransportFailure(failure: TransportFailure): FailureText {
	const { code, host, attempts } = failure;
	const hostname = host.replace(/:\d+$/, '');
	if (isTimeout(code)) {
		return {
			message: `No answer from ${host} within ${Math.round(failure.timeoutMs / 1000)} s${attempts > 1 ? ` (${attempts} attempts)` : ''}`,
			description:
				'Raise the "Timeout" option for long answers (reasoning models can take minutes), or check that the server is up. A request that timed out may have been processed and billed, so it is retried once at most.',
		};
	}
	if (code === NO_CONNECTION_CODE) {
		return {
			message: `Could not connect to ${host}: no answer within ${Math.round((2 * CONNECT_TIMEOUT_MS) / 1000)} s`,
			description: `Neither the request nor a check of ${host}'s model list got any answer: the host drops the connection attempts (a wrong IP or port, a firewall, a VPN or proxy that is down). Check the Base URL in ${CREDENTIAL} and that n8n can reach it. The request most likely never reached a server; it was not retried.`,
		};
	}
	if (code === 'ECONNREFUSED') {
		return {
			message: `Could not reach ${host} (ECONNREFUSED)${after(attempts)}`,
			description: `Nothing accepts connections at ${host}. Check the host and port of the Base URL in ${CREDENTIAL}, and that the server is running and reachable from n8n.`,
		};
	}
	if (code !== undefined && UNREACHABLE_CODES.has(code)) {
		return {
			message: `Could not reach ${host} (${code})${after(attempts)}`,
			description: `There is no network route to ${hostname}. Check the Base URL in ${CREDENTIAL} and n8n's network (firewall, VPN, Docker network).`,
		};
	}
	if (code === 'ENOTFOUND' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
		return {
			message: `The host ${hostname} was not found (${code})`,
			description: `No DNS name server knows ${hostname}. Check the spelling of the Base URL in ${CREDENTIAL}.`,
		};
	}
	if (code === 'EAI_AGAIN') {
		return {
			message: `Could not look up ${hostname} (EAI_AGAIN)${after(attempts)}`,
			description: "The DNS name server did not answer. Check n8n's network and DNS settings, then try again.",
		};
	}
	if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
		return {
			message: `Could not set up HTTPS with ${host} (${code})`,
			description: `The server does not speak HTTPS on this port. Use http:// in the Base URL of ${CREDENTIAL}, or the server's HTTPS port.`,
		};
	}
	if (isTlsCode(code)) {
		return {
			message: `The TLS certificate of ${host} was not accepted (${code})`,
			description: `Give the server a certificate n8n trusts (for your own CA, start n8n with NODE_EXTRA_CA_CERTS), or use http:// for a server on a private network.`,
		};
	}
	if (code === 'ERR_INVALID_CHAR' || code === 'ERR_HTTP_INVALID_HEADER_VALUE') {
		return {
			message: `The API key cannot be sent: it contains a character that HTTP headers do not allow (${code})`,
			description: `Paste the key into ${CREDENTIAL} again, without spaces, quotes or line breaks.`,
		};
	}
	if (code === 'ERR_INVALID_URL' || code === 'ERR_INVALID_PROTOCOL' || code === 'ERR_UNESCAPED_CHARACTERS') {
		return {
			message: `The Base URL cannot be requested (${code})`,
			description: `Use a full URL such as https://api.mistral.ai/v1 in ${CREDENTIAL}.`,
		};
	}
	if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
		return {
			message: `The connection to ${host} was dropped (${code})${after(attempts)}`,
			description:
				'The server or a proxy closed the connection before answering. The request may have been processed and billed, so it is retried once at most. Try again, or check the proxy between n8n and the server.',
		};
	}
	const own = failure.message?.trim() ? failure.message.trim() : 'no details';
	return {
		message: `The request to ${host} failed${code ? ` (${code})` : ''}${after(attempts)}`,
		description: `n8n reported: "${own}". Check the Base URL in ${CREDENTIAL} and that the server is reachable from n8n.`,
	};
}
